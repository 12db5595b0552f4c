"""wecom_buttons goes: nothing wrote it since the buttons shown moved to chat_keyboards (bot/keyboard.py)

Revision ID: 0018
Revises: 0009
Create Date: 2026-12-04 22:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0018'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table('wecom_buttons')


def downgrade() -> None:
    op.create_table('wecom_buttons',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('chat_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('buttons', sa.JSON(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('channel', 'chat_id')
    )
