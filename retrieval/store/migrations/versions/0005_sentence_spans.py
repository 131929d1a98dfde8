"""articles keep their sentence spans, so answers need not split the body again

Revision ID: 0005_sentence_spans
Revises: 0004_leases
Create Date: 2026-12-07 14:00:00.000000

Existing rows keep NULL: they are split when read, as before, so the upgrade does not
have to re-read every stored body.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005_sentence_spans"
down_revision = "0004_leases"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.add_column(sa.Column("sentence_spans", sa.LargeBinary(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("articles") as batch:
        batch.drop_column("sentence_spans")
