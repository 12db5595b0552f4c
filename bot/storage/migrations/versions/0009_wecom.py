"""wecom: callback dedupe, KF sync cursors, KF client windows, last buttons, long button keys

Revision ID: 0009
Revises: 0001
Create Date: 2026-11-27 00:54:31.203151
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0009'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('wecom_button_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('payload', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
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
    op.create_table('wecom_kf_clients',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('channel', sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
    sa.Column('user_id', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('open_kfid', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('nickname', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('consultant', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('last_client_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sent', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('channel', 'user_id')
    )
    op.create_table('wecom_kf_cursors',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('open_kfid', sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
    sa.Column('cursor', sqlmodel.sql.sqltypes.AutoString(length=512), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('open_kfid')
    )
    op.create_table('wecom_seen',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('key')
    )
    with op.batch_alter_table('wecom_seen', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_wecom_seen_created_at'), ['created_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('wecom_seen', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_wecom_seen_created_at'))

    op.drop_table('wecom_seen')
    op.drop_table('wecom_kf_cursors')
    op.drop_table('wecom_kf_clients')
    op.drop_table('wecom_buttons')
    op.drop_table('wecom_button_keys')
