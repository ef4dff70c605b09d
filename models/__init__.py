"""ORM models, repositories (queries, never commits) and Alembic migrations.

Importing this package registers every table on ``Base.metadata``.
"""

from models import clients, idempotency, leads, org, ratings, reporting, scheduling, smm, stats, tasks  # noqa: F401
from models.base import Base

__all__ = ["Base"]
