"""lot expiry as a point in time (consumable_lot.expiry date -> expires_at)

A lot's expiry used to be a date, and the pre-collection check refused a lot only when that date was before
today: "expires 2026-12-01" has always meant usable through the whole of 1 December, local time. Each date is
therefore kept as the first moment after that day, 2026-12-02 00:00 in the site's time zone (stored in UTC
like every other point in time), and a lot is expired from that moment on.

Revision ID: 0006_lot_expiry_time
Revises: 0005_card_details
Create Date: 2026-12-01 22:40:00
"""
from __future__ import annotations

from datetime import datetime, time, timedelta

import sqlalchemy as sa
from alembic import op

import station.models.base
from station.models.base import LOCAL_TZ

revision = '0006_lot_expiry_time'
down_revision = '0005_card_details'
branch_labels = None
depends_on = None

_lots = sa.table('consumable_lot', sa.column('id', sa.Integer()), sa.column('expiry', sa.Date()),
                 sa.column('expires_at', station.models.base.UTCDateTime(timezone=True)))


def upgrade() -> None:
    with op.batch_alter_table('consumable_lot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expires_at', station.models.base.UTCDateTime(timezone=True), nullable=True))
    conn = op.get_bind()
    for lot_id, day in conn.execute(sa.select(_lots.c.id, _lots.c.expiry)).all():
        end_of_day = datetime.combine(day + timedelta(days=1), time(0), tzinfo=LOCAL_TZ)
        conn.execute(_lots.update().where(_lots.c.id == lot_id).values(expires_at=end_of_day))
    with op.batch_alter_table('consumable_lot', schema=None) as batch_op:
        batch_op.alter_column('expires_at', existing_type=station.models.base.UTCDateTime(timezone=True),
                              nullable=False)
        batch_op.drop_column('expiry')


def downgrade() -> None:
    # back to a date: the last local day on which the lot could be used (a time of day is rounded down to it)
    with op.batch_alter_table('consumable_lot', schema=None) as batch_op:
        batch_op.add_column(sa.Column('expiry', sa.Date(), nullable=True))
    conn = op.get_bind()
    for lot_id, at in conn.execute(sa.select(_lots.c.id, _lots.c.expires_at)).all():
        day = (at.astimezone(LOCAL_TZ) - timedelta(microseconds=1)).date()
        conn.execute(_lots.update().where(_lots.c.id == lot_id).values(expiry=day))
    with op.batch_alter_table('consumable_lot', schema=None) as batch_op:
        batch_op.alter_column('expiry', existing_type=sa.Date(), nullable=False)
        batch_op.drop_column('expires_at')
