"""telegram: seen updates and stored button payloads

Revision ID: 0008
Revises: 0001
Create Date: 2026-11-27 00:52:19.473828
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0008'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('telegram_callbacks',
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('payload', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('key')
    )
    with op.batch_alter_table('telegram_callbacks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_telegram_callbacks_used_at'), ['used_at'], unique=False)

    op.create_table('telegram_seen',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('bot_id', sa.BigInteger(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('bot_id', 'key')
    )
    with op.batch_alter_table('telegram_seen', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_telegram_seen_seen_at'), ['seen_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('telegram_seen', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_telegram_seen_seen_at'))

    op.drop_table('telegram_seen')
    with op.batch_alter_table('telegram_callbacks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_telegram_callbacks_used_at'))

    op.drop_table('telegram_callbacks')
