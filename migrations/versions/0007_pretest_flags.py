"""pre-donation test values keep the analyzer's flags (pre_donation_test.flags)

A value the analyzer marked (Sysmex W low reliability, Mindray A, HemoScreen *, H/L) is stored with
the flags next to it, so that the eligibility step asks for a recorded confirmation and the physician
sees why. Existing rows had no flags recorded: NULL (unknown), not an empty set.

Revision ID: 0007_pretest_flags
Revises: 0006_lot_expiry_time
Create Date: 2026-12-04 21:40:00
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007_pretest_flags'
down_revision = '0006_lot_expiry_time'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('pre_donation_test', schema=None) as batch_op:
        batch_op.add_column(sa.Column('flags', sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('pre_donation_test', schema=None) as batch_op:
        batch_op.drop_column('flags')
