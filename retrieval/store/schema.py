"""The one registry of the schema: every module that declares tables, on one metadata.

SQLAlchemy registers a table on ``Base.metadata`` when its model module is imported, so
"which tables exist" depends on what happened to be imported. Migrations
(``retrieval/store/migrations/env.py``) and the tests that compare the models with the
migrated schema take the metadata from here instead, which imports each model module
once. A test checks that every module of ``retrieval.store`` that declares a table is
listed. Code that only uses some models imports their module directly, as before.
"""

from __future__ import annotations

from types import ModuleType

from sqlalchemy import MetaData

from retrieval.store import digest_models, feed_models, lease_models, models

# Add a new model module here (and write its migration).
MODEL_MODULES: tuple[ModuleType, ...] = (models, feed_models, digest_models, lease_models)

# Every table of the schema.
metadata: MetaData = models.Base.metadata
