"""What happens to membership subjects when their consensus decision closes (ToR III.1, V, VII).

Registered with consensus.registry from MembershipConfig.ready(); each handler runs inside
the transaction that closes the decision and is a no-op if the subject has moved on.
"""

from __future__ import annotations

from consensus.registry import register_subject
from membership import services
from membership.models import MembershipRequest, ToRAmendment, ToRExtensionProposal


def register() -> None:
    register_subject(
        MembershipRequest,
        on_adopted=services.on_request_adopted,
        on_blocked=services.on_request_not_adopted,
        on_lapsed=services.on_request_not_adopted,
        on_withdrawn=services.on_request_decision_withdrawn,
    )
    register_subject(
        ToRAmendment,
        on_adopted=services.on_amendment_adopted,
        on_blocked=services.on_amendment_not_adopted,
        on_lapsed=services.on_amendment_not_adopted,
        on_withdrawn=services.on_amendment_decision_withdrawn,
    )
    register_subject(
        ToRExtensionProposal,
        on_adopted=services.on_extension_adopted,
        on_blocked=services.on_extension_not_adopted,
        on_lapsed=services.on_extension_not_adopted,
        on_withdrawn=services.on_extension_decision_withdrawn,
    )
