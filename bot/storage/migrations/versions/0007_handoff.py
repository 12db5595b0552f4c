"""handoff: consultant tickets and the relayed messages a consultant can reply to

Revision ID: 0007
Revises: 0001
Create Date: 2026-11-27 00:54:07.818611
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0007'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('handoff_tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('chat_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('client_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('lang', sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
    sa.Column('open_key', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
    sa.Column('status', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('reason', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('note', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('packet', sa.JSON(), nullable=False),
    sa.Column('out_of_hours', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('announced_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('announce_round', sa.Integer(), nullable=False),
    sa.Column('consultant_channel', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
    sa.Column('consultant_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('consultant_name', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('claimed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_reply_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_by', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('rating', sa.Integer(), nullable=True),
    sa.Column('rated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('to_consultant_seq', sa.Integer(), nullable=False),
    sa.Column('to_client_seq', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('open_key')
    )
    with op.batch_alter_table('handoff_tickets', schema=None) as batch_op:
        batch_op.create_index('ix_handoff_tickets_client', ['channel', 'user_id', 'created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_handoff_tickets_created_at'), ['created_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_handoff_tickets_status'), ['status'], unique=False)

    op.create_table('handoff_relays',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_id', sa.Integer(), nullable=False),
    sa.Column('outbox_id', sa.Integer(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('chat_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('platform_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['ticket_id'], ['handoff_tickets.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('outbox_id')
    )
    with op.batch_alter_table('handoff_relays', schema=None) as batch_op:
        batch_op.create_index('ix_handoff_relays_target', ['channel', 'chat_id', 'platform_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_handoff_relays_ticket_id'), ['ticket_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('handoff_relays', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handoff_relays_ticket_id'))
        batch_op.drop_index('ix_handoff_relays_target')

    op.drop_table('handoff_relays')
    with op.batch_alter_table('handoff_tickets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_handoff_tickets_status'))
        batch_op.drop_index(batch_op.f('ix_handoff_tickets_created_at'))
        batch_op.drop_index('ix_handoff_tickets_client')

    op.drop_table('handoff_tickets')
