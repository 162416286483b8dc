"""sign-in sessions, the wrong-PIN counter, password age, the demo marker

user_session: one row per sign-in, checked by every service call (idle and absolute expiry, ended at
lockout, deactivation and password reset). user_account gains password_changed_at (password expiry),
wrong_pins and signing_locked_at (the signing key locks after repeated wrong PINs until an administrator
unlocks it). installation_flag holds facts about the installation, e.g. that it is a demo.

Revision ID: 0007_sessions_pins
Revises: 0006_lot_expiry_time
Create Date: 2026-12-04 21:15:52
"""
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import station.models.base


revision = '0008_sessions_pins'
down_revision = '0007_pretest_flags'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('installation_flag',
    sa.Column('key', sa.String(length=64), nullable=False),
    sa.Column('value', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('key', name=op.f('pk_installation_flag'))
    )
    op.create_table('user_session',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('via', sa.String(length=16), nullable=False),
    sa.Column('station', sa.String(length=100), nullable=False),
    sa.Column('started_at', station.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('last_seen_at', station.models.base.UTCDateTime(timezone=True), nullable=False),
    sa.Column('ended_at', station.models.base.UTCDateTime(timezone=True), nullable=True),
    sa.Column('end_reason', sa.String(length=32), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_user_session_user_id_user_account'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_user_session'))
    )
    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.create_index('ix_user_session_user_open', ['user_id', 'ended_at'], unique=False)

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('password_changed_at', station.models.base.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('wrong_pins', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('signing_locked_at', station.models.base.UTCDateTime(timezone=True), nullable=True))



def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.drop_column('signing_locked_at')
        batch_op.drop_column('wrong_pins')
        batch_op.drop_column('password_changed_at')

    with op.batch_alter_table('user_session', schema=None) as batch_op:
        batch_op.drop_index('ix_user_session_user_open')

    op.drop_table('user_session')
    op.drop_table('installation_flag')
