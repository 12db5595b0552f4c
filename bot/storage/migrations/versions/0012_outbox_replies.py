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

# bot/shared_limits.py books a send in one round trip: lock the scopes' rows (the caller sorts them),
# read the clock once they are ours, take the first moment every scope allows, book it (or not).
BOOK_SEND = """
CREATE OR REPLACE FUNCTION licensebot_book_send(
    p_scopes text[], p_spacing float8[], p_tolerance float8[], p_narrow bool[], p_n int,
    p_only_now bool, p_extra float8, p_narrow_by float8, p_now float8)
RETURNS TABLE (slot float8, booked bool) LANGUAGE plpgsql AS $$
DECLARE
    v_tats float8[] := '{}';
    v_due float8;
    v_now float8;
    v_at float8;
    v_narrow float8;
    i int;
BEGIN
    INSERT INTO send_slots (scope, tat) SELECT s, 0 FROM unnest(p_scopes) AS s ON CONFLICT (scope) DO NOTHING;
    FOR i IN 1 .. array_length(p_scopes, 1) LOOP
        SELECT tat INTO v_due FROM send_slots WHERE scope = p_scopes[i] FOR UPDATE;
        v_tats := v_tats || v_due;
    END LOOP;
    v_now := coalesce(p_now, extract(epoch FROM clock_timestamp()));
    v_at := v_now;
    v_narrow := v_now;
    FOR i IN 1 .. array_length(p_scopes, 1) LOOP
        v_due := v_tats[i] + (p_n - 1) * p_spacing[i] - p_tolerance[i];
        v_at := greatest(v_at, v_due);
        IF p_narrow[i] THEN
            v_narrow := greatest(v_narrow, v_due);
        END IF;
    END LOOP;
    IF p_narrow_by IS NOT NULL AND v_narrow > v_now + p_narrow_by THEN
        RETURN QUERY SELECT v_narrow, false;
        RETURN;
    END IF;
    IF p_only_now AND v_at > v_now THEN
        RETURN QUERY SELECT v_at, false;
        RETURN;
    END IF;
    FOR i IN 1 .. array_length(p_scopes, 1) LOOP
        UPDATE send_slots SET tat = greatest(greatest(v_tats[i], v_at) + p_n * p_spacing[i],
                                             CASE WHEN p_extra > 0 THEN v_now + p_extra + p_tolerance[i] ELSE 0 END)
        WHERE scope = p_scopes[i];
    END LOOP;
    RETURN QUERY SELECT v_at, true;
END
$$
"""


def upgrade() -> None:
    op.create_index('ix_outbox_chat_unsent', 'outbox', ['channel', 'chat_id', 'id'], unique=False,
                    postgresql_where=UNSENT, sqlite_where=UNSENT)
    op.create_table('send_slots',
    sa.Column('scope', sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False),
    sa.Column('tat', sa.Float(), nullable=False),
    sa.PrimaryKeyConstraint('scope')
    )
    if op.get_bind().dialect.name == 'postgresql':
        op.execute(BOOK_SEND)


def downgrade() -> None:
    if op.get_bind().dialect.name == 'postgresql':
        op.execute('DROP FUNCTION IF EXISTS licensebot_book_send')
    op.drop_table('send_slots')
    op.drop_index('ix_outbox_chat_unsent', table_name='outbox')
