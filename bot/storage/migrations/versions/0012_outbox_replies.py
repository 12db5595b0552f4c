"""outbox: replies are outbox rows (a chat's unsent rows found in order by an index); shared send limits

Revision ID: 0012
Revises: 0001
Create Date: 2026-12-04 19:00:00
"""

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision = '0012'
down_revision = '0001'
branch_labels = None
depends_on = None

UNSENT = sa.text("status IN ('pending', 'sending')")


def upgrade() -> None:
    op.create_index('ix_outbox_chat_unsent', 'outbox', ['channel', 'chat_id', 'id'], unique=False,
                    postgresql_where=UNSENT, sqlite_where=UNSENT)
    op.create_table('send_slots',
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('tat', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('scope')
    )


def downgrade() -> None:
    op.drop_table('send_slots')
    op.drop_index('ix_outbox_chat_unsent', table_name='outbox')
