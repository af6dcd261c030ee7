"""ChatMember objects as getChatMember and my_chat_member updates carry them."""

from __future__ import annotations

from typing import Any

__all__ = ["member_object", "ADMIN_RIGHTS", "RESTRICTED_RIGHTS"]

ADMIN_RIGHTS = (
    "can_manage_chat",
    "can_delete_messages",
    "can_manage_video_chats",
    "can_restrict_members",
    "can_change_info",
    "can_invite_users",
    "can_post_stories",
    "can_edit_stories",
    "can_delete_stories",
    "can_pin_messages",
)
RESTRICTED_RIGHTS = (
    "can_change_info",
    "can_invite_users",
    "can_pin_messages",
    "can_send_messages",
    "can_send_polls",
    "can_send_other_messages",
    "can_add_web_page_previews",
    "can_manage_topics",
    "can_send_audios",
    "can_send_documents",
    "can_send_photos",
    "can_send_videos",
    "can_send_video_notes",
    "can_send_voice_notes",
)


def member_object(status: str, user: dict) -> dict[str, Any]:
    """A ChatMember of ``status`` for ``user`` (a User object)."""
    member: dict[str, Any] = {"status": status, "user": user}
    if status == "creator":
        member["is_anonymous"] = False
    elif status == "administrator":
        member.update(can_be_edited=False, is_anonymous=False, can_promote_members=False)
        member.update({right: True for right in ADMIN_RIGHTS})
    elif status == "restricted":
        member.update(is_member=True, until_date=0)
        member.update({right: False for right in RESTRICTED_RIGHTS})
    elif status == "kicked":
        member["until_date"] = 0
    return member
