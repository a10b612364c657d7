"""All tables, by area. Alembic's env imports Base from here, so every area is registered."""
from inbox.models.core import (  # noqa: F401
    Attachment,
    Base,
    FolderState,
    Mailbox,
    Quarantined,
    RawMessage,
    Sighting,
    Tip,
    utcnow,
)
