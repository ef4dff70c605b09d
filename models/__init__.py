"""ORM models, repositories (queries, never commits) and Alembic migrations.

Importing this package registers every table on ``Base.metadata``.
"""

from models import (  # noqa: F401
    clients,
    idempotency,
    leads,
    learning,
    org,
    ratings,
    reporting,
    scheduling,
    service,
    smm,
    stats,
    tasks,
)
from models.base import Base

__all__ = ["Base"]
