"""REST handlers for interaction callbacks and the interaction webhook (followups, edits).

Discord's rules are enforced because the bot must live with them: one callback per
interaction, sent within three seconds of the interaction; followups and edits only
after that callback and only for 15 minutes (then the token is refused with 401, code
50027); the first followup after a "thinking" deferral replaces the loading message and
keeps its visibility, whatever the followup's ephemeral flag says (``ignored_ephemeral``
lists those, as a request that meant to be private and was not); callback types must fit
the interaction type. Time is the store's ``FakeClock``, which tests may advance.
"""

from __future__ import annotations

from .limits import choice_violations
from .model import JSON, World
from .rest import Call, Reply, RestApi
from .store import FLAG_EPHEMERAL, FLAG_LOADING, ApiError, InteractionState, MessageStore

# Seconds Discord allows between an interaction and its initial callback.
ACK_DEADLINE_SECONDS = 3.0
# Seconds an interaction token stays valid for followups and edits.
TOKEN_LIFETIME_SECONDS = 15 * 60.0
# Interaction types and the callback types valid for each (Discord "Interaction Response").
INTERACTION_COMMAND, INTERACTION_COMPONENT, INTERACTION_AUTOCOMPLETE = 2, 3, 4
CALLBACK_MESSAGE, CALLBACK_DEFERRED_MESSAGE = 4, 5
CALLBACK_DEFERRED_UPDATE, CALLBACK_UPDATE = 6, 7
CALLBACK_AUTOCOMPLETE, CALLBACK_MODAL = 8, 9
_VALID_CALLBACKS = {
    INTERACTION_COMMAND: {CALLBACK_MESSAGE, CALLBACK_DEFERRED_MESSAGE, CALLBACK_MODAL},
    INTERACTION_COMPONENT: {
        CALLBACK_MESSAGE,
        CALLBACK_DEFERRED_MESSAGE,
        CALLBACK_DEFERRED_UPDATE,
        CALLBACK_UPDATE,
        CALLBACK_MODAL,
    },
    INTERACTION_AUTOCOMPLETE: {CALLBACK_AUTOCOMPLETE},
}


class InteractionRoutes:
    """``/interactions/{id}/{token}/callback`` and ``/webhooks/{application_id}/{token}``."""

    def __init__(self, api: RestApi, world: World, store: MessageStore) -> None:
        self.world = world
        self.store = store
        self.ack_deadline = ACK_DEADLINE_SECONDS
        self.token_lifetime = TOKEN_LIFETIME_SECONDS
        # Followups whose ephemeral flag Discord ignored (they filled a public deferral).
        self.ignored_ephemeral: list[JSON] = []
        add = api.add
        add("POST", "/interactions/{interaction_id}/{token}/callback", self.callback, auth=False)
        hook = "/webhooks/{application_id}/{token}"
        add("POST", hook, self.followup, auth=False)
        add("GET", hook + "/messages/{message_id}", self.get_message, auth=False)
        add("PATCH", hook + "/messages/{message_id}", self.edit_message, auth=False)
        add("DELETE", hook + "/messages/{message_id}", self.delete_message, auth=False)

    async def callback(self, call: Call) -> Reply:
        state = self.store.interaction(call.params["interaction_id"], call.params["token"])
        if state.callback_type is not None:
            raise ApiError(400, 40060, "Interaction has already been acknowledged.")
        if self.store.clock.now() - state.dispatched_at > self.ack_deadline:
            raise ApiError(404, 10062, "Unknown interaction")
        kind = int(call.json.get("type", 0))
        if kind not in _VALID_CALLBACKS.get(state.type, set()):
            raise ApiError(400, 50035, "Invalid Form Body", [f"type {kind} is not valid here"])
        data = call.json.get("data") or {}
        message = self._respond(state, kind, data, call)
        state.callback_type = kind
        interaction: JSON = {
            "id": str(state.id),
            "type": state.type,
            "response_message_loading": kind == CALLBACK_DEFERRED_MESSAGE,
            "response_message_ephemeral": bool(int(data.get("flags") or 0) & FLAG_EPHEMERAL),
        }
        reply: JSON = {"interaction": interaction}
        if message is not None:
            state.original_id = int(message["id"])
            interaction["response_message_id"] = message["id"]
            reply["resource"] = {"type": kind, "message": message}
        elif kind == CALLBACK_DEFERRED_UPDATE and state.message_id is not None:
            state.original_id = state.message_id
        return 200, reply

    def _respond(self, state: InteractionState, kind: int, data: JSON, call: Call) -> JSON | None:
        if kind == CALLBACK_MESSAGE:
            return self.store.create(state.channel, data, call.files, webhook_id=self._app_id)
        if kind == CALLBACK_DEFERRED_MESSAGE:
            flags = FLAG_LOADING | (int(data.get("flags") or 0) & FLAG_EPHEMERAL)
            return self.store.create(
                state.channel, {}, extra_flags=flags, allow_empty=True, webhook_id=self._app_id
            )
        if kind == CALLBACK_UPDATE:
            assert state.message_id is not None
            return self.store.edit(self.store.get(state.message_id), data, call.files)
        if kind == CALLBACK_AUTOCOMPLETE:
            problems = choice_violations(list(data.get("choices") or []))
            if problems:
                raise ApiError(400, 50035, "Invalid Form Body", problems)
        return None

    @property
    def _app_id(self) -> int:
        return self.world.application_id

    def _state(self, call: Call) -> InteractionState:
        """The acknowledged interaction a webhook token belongs to."""
        state = self.store.interactions.get(call.params["token"])
        if (
            state is None
            or call.params["application_id"] != str(self._app_id)
            or state.callback_type is None
        ):
            raise ApiError(404, 10015, "Unknown Webhook")
        if self.store.clock.now() - state.dispatched_at > self.token_lifetime:
            raise ApiError(401, 50027, "Invalid Webhook Token")
        return state

    def _target(self, call: Call) -> tuple[InteractionState, JSON]:
        state = self._state(call)
        ref = call.params["message_id"]
        message_id = state.original_id if ref == "@original" else int(ref)
        if message_id is None:
            raise ApiError(404, 10008, "Unknown Message")
        return state, self.store.get(message_id)

    async def followup(self, call: Call) -> Reply:
        state = self._state(call)
        original = self.store.messages.get(state.original_id or 0)
        if original is not None and int(original["flags"]) & FLAG_LOADING:
            # The first followup after a thinking deferral fills the loading message.
            asked = int(call.json.get("flags") or 0) & FLAG_EPHEMERAL
            if asked and not int(original["flags"]) & FLAG_EPHEMERAL:
                self.ignored_ephemeral.append(call.json)
            return 200, self.store.edit(original, call.json, call.files)
        message = self.store.create(state.channel, call.json, call.files, webhook_id=self._app_id)
        return 200, message

    async def get_message(self, call: Call) -> Reply:
        return 200, self._target(call)[1]

    async def edit_message(self, call: Call) -> Reply:
        _, message = self._target(call)
        return 200, self.store.edit(message, call.json, call.files)

    async def delete_message(self, call: Call) -> Reply:
        _, message = self._target(call)
        del self.store.messages[int(message["id"])]
        return 204, None
