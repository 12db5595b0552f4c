"""renewal cases: renewal_cases, case_items, case_files; reminders.acknowledged_at/by; license_contacts; calendar_tokens

Revision ID: 0013
Revises: 0006
Create Date: 2026-12-04 19:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0006'
branch_labels = None
depends_on = None


def _when(name: str) -> sa.Column:  # type: ignore[type-arg]
    return sa.Column(name, sa.DateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        'renewal_cases',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('license_id', sa.Integer(), sa.ForeignKey('licenses.id', ondelete='CASCADE'), nullable=False),
        sa.Column('cycle', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('facts', sa.JSON(), nullable=False),
        sa.Column('opened_by', sa.String(length=170), nullable=False),
        _when('created_at'), _when('updated_at'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('license_id', 'cycle', name='uq_renewal_cases_license_cycle'),
    )
    op.create_table(
        'case_items',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('renewal_cases.id', ondelete='CASCADE'), nullable=False),
        sa.Column('key', sa.String(length=64), nullable=False),
        sa.Column('position', sa.Integer(), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        _when('updated_at'),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('case_id', 'key', name='uq_case_items_case_key'),
    )
    op.create_table(
        'case_files',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('case_id', sa.Integer(), sa.ForeignKey('renewal_cases.id', ondelete='CASCADE'), nullable=False),
        sa.Column('item_key', sa.String(length=64), nullable=False),
        sa.Column('channel', sa.String(length=32), nullable=False),
        sa.Column('chat_id', sa.String(length=128), nullable=False),
        sa.Column('user_id', sa.String(length=128), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('path', sa.String(length=1000), nullable=False),
        sa.Column('size', sa.Integer(), nullable=False),
        sa.Column('mime', sa.String(length=100), nullable=False),
        sa.Column('status', sa.String(length=16), nullable=False),
        sa.Column('reason', sa.String(length=500), nullable=False),
        _when('created_at'),
        sa.PrimaryKeyConstraint('id'),
    )
    with op.batch_alter_table('reminders') as batch_op:
        batch_op.add_column(sa.Column('acknowledged_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('acknowledged_by', sa.String(length=170), nullable=False, server_default=''))
    op.create_table(
        'license_contacts',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('license_id', sa.Integer(), sa.ForeignKey('licenses.id', ondelete='CASCADE'), nullable=False),
        sa.Column('name', sa.String(length=60), nullable=False),
        sa.Column('code', sa.String(length=24), nullable=False),
        sa.Column('invited_by', sa.String(length=170), nullable=False),
        sa.Column('channel', sa.String(length=32), nullable=False),
        sa.Column('chat_id', sa.String(length=128), nullable=False),
        sa.Column('user_id', sa.String(length=128), nullable=False),
        _when('created_at'),
        sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('code'),
    )
    op.create_table(
        'calendar_tokens',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('token', sa.String(length=64), nullable=False),
        sa.Column('channel', sa.String(length=32), nullable=False),
        sa.Column('user_id', sa.String(length=128), nullable=False),
        _when('created_at'),
        sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint('id'),
        sa.UniqueConstraint('token'),
    )
    op.create_index('ix_case_files_case', 'case_files', ['case_id', 'item_key'])
    op.create_index('ix_case_files_owner', 'case_files', ['channel', 'user_id'])


def downgrade() -> None:
    op.drop_table('calendar_tokens')
    op.drop_table('license_contacts')
    with op.batch_alter_table('reminders') as batch_op:
        batch_op.drop_column('acknowledged_by')
        batch_op.drop_column('acknowledged_at')
    op.drop_index('ix_case_files_owner', table_name='case_files')
    op.drop_index('ix_case_files_case', table_name='case_files')
    op.drop_table('case_files')
    op.drop_table('case_items')
    op.drop_table('renewal_cases')
