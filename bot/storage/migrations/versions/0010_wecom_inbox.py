"""wecom: inbox of acknowledged callbacks and KF messages not yet handled

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-27 05:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('wecom_inbox',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('lease_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sqlite_autoincrement=True
    )
    op.create_index(op.f('ix_wecom_inbox_user_id'), 'wecom_inbox', ['user_id'], unique=False)
    op.create_index(op.f('ix_wecom_inbox_received_at'), 'wecom_inbox', ['received_at'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_wecom_inbox_received_at'), table_name='wecom_inbox')
    op.drop_index(op.f('ix_wecom_inbox_user_id'), table_name='wecom_inbox')
    op.drop_table('wecom_inbox')
