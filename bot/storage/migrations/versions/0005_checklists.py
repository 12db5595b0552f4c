"""checklists: saved renewal checklist answers (token for /checklist and /subscribe prefill)

Revision ID: 0005
Revises: 0001
Create Date: 2026-11-27 00:54:14.252029
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0005'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('checklists',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('chat_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('license', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('province', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
    sa.Column('number', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('expires', sa.Date(), nullable=False),
    sa.Column('answers', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('token')
    )
    with op.batch_alter_table('checklists', schema=None) as batch_op:
        batch_op.create_index('ix_checklists_owner', ['channel', 'user_id', 'created_at'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('checklists', schema=None) as batch_op:
        batch_op.drop_index('ix_checklists_owner')
    op.drop_table('checklists')
