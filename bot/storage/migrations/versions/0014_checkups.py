"""checkups: saved compliance check-ups (token for /checkup show|xlsx, snapshot for the case packet)

Revision ID: 0014
Revises: 0001
Create Date: 2026-12-04 19:10:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0014'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('checkups',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('chat_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('license', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('expires', sa.Date(), nullable=True),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('score', sa.Integer(), nullable=False),
    sa.Column('summary', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token')
    )
    with op.batch_alter_table('checkups', schema=None) as batch_op:
        batch_op.create_index('ix_checkups_owner', ['channel', 'user_id', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('checkups', schema=None) as batch_op:
        batch_op.drop_index('ix_checkups_owner')
    op.drop_table('checkups')
