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
from inbox.models.board import (  # noqa: F401, E402
    ROLES,
    AuditEntry,
    LoginLimit,
    Merge,
    Note,
    SavedView,
    TipEvent,
    User,
    UserSession,
)
from inbox.models import search  # noqa: F401, E402  (attaches the full-text DDL to create_all)
from inbox.models.sorting import (  # noqa: F401, E402
    Cluster,
    ClusterSuggestion,
    ModelVersion,
    SortDecision,
    StoryCalibration,
    StoryDecision,
    TipSignature,
)
from inbox.models.readers import (  # noqa: F401, E402
    IDENTITY_RISKS,
    Reader,
    ReaderGrant,
)
from inbox.models.retention import (  # noqa: F401, E402
    HOLD_KINDS,
    Hold,
    RetentionRun,
    Tombstone,
)
from inbox.models.tokens import SCOPES, ApiToken  # noqa: F401, E402
from inbox.models.notify import (  # noqa: F401, E402
    CHANNEL_EVENTS,
    CHANNEL_KINDS,
    NotifyChannel,
    NotifyDelivery,
    NotifyEvent,
    NotifyPref,
)
from inbox.models.outgoing import (  # noqa: F401, E402
    OUTGOING_STATES,
    Outgoing,
    PublishedStory,
    ReplyTemplate,
)
from inbox.models.accounts import (  # noqa: F401, E402
    DeskTopic,
    RecoveryCode,
    ResetLink,
)
