"""Explicit state machines: a table of allowed transitions, enforced in one place, each
transition recorded with its time, cause and actor (as GOV.UK Pay's connector does)."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .bulk import Writes, insert_rows
from .indexes import where_set


class InvalidTransition(ValidationError):
    """A status change the transition table does not allow."""


class StatusChange(models.Model):
    """One recorded transition; concrete subclasses add the foreign key to their owner."""

    from_status = models.CharField(_("από"), max_length=16)
    to_status = models.CharField(_("σε"), max_length=16)
    at = models.DateTimeField(_("χρονική στιγμή"), default=timezone.now)
    cause = models.CharField(_("αιτία"), max_length=200)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("χρήστης"),
        db_index=False,  # indexed where set (Meta.indexes)
    )

    class Meta:
        abstract = True
        ordering = ["at", "id"]
        indexes = [where_set("actor", "%(class)s_actor")]

    def __str__(self):
        return f"{self.from_status} → {self.to_status} ({self.cause})"


class StateMachine:
    """The allowed transitions of one model's ``status`` field.

    ``transitions`` maps a status to the statuses it may move to; a status absent from it is final.
    Call ``advance`` inside the service's transaction, with the row locked.
    """

    def __init__(self, transitions: dict[str, set[str]], *, record, owner_field: str):
        self.transitions = {str(k): {str(t) for t in v} for k, v in transitions.items()}
        self.record = record
        self.owner_field = owner_field

    def _told(self, cause: str) -> str:
        """``cause`` as its column keeps it: a long one (the references of five pooled
        payments) is cut with an ellipsis, never refused with the move it explains."""
        limit = self.record._meta.get_field("cause").max_length
        return cause if len(cause) <= limit else cause[: limit - 1] + "…"

    def allows(self, current: str, target: str) -> bool:
        return str(target) in self.transitions.get(str(current), set())

    def advance(self, obj, target: str, *, cause: str, actor=None, also_update=()) -> None:
        """Move ``obj`` to ``target`` and record it; ``also_update`` names fields saved with it."""
        self._refuse_unless_allowed(obj, target)
        current = obj.status
        obj.status = target
        obj.save(update_fields=["status", *also_update])
        self.record.objects.create(
            **{self.owner_field: obj},
            from_status=current,
            to_status=target,
            cause=self._told(cause),
            actor=actor,
        )

    def advance_all(
        self,
        objs: list,
        target: str,
        *,
        cause: str | dict,
        actor=None,
        writes: Writes | None = None,
    ) -> None:
        """Move every row of ``objs`` (one model, locked by the caller) to ``target`` and record
        each move, in two statements whatever their number, or as two of ``writes``, which the
        caller sends with others (the rows say ``target`` from here on). ``cause`` is one for
        all, or each row's by its id (a batch of payments, each its own cause).

        An ``UPDATE`` of the rows, not ``save()``: no signal is sent nor audit-history row
        written; the recorded transitions are the audit of a status.
        """
        if not objs:
            return
        for obj in objs:
            self._refuse_unless_allowed(obj, target)
        now = timezone.now()
        causes = cause if isinstance(cause, dict) else dict.fromkeys((o.pk for o in objs), cause)
        actor_id = actor.pk if actor is not None else None
        fields = [self.owner_field, "from_status", "to_status", "at", "cause", "actor"]
        rows = [
            (obj.pk, obj.status, target, now, self._told(causes[obj.pk]), actor_id) for obj in objs
        ]
        ids = [obj.pk for obj in objs]
        if writes is None:
            type(objs[0])._default_manager.filter(pk__any=ids).update(status=target)
            insert_rows(self.record, fields, rows)
        else:
            writes.update(type(objs[0]), "pk", ids, status=target)
            writes.insert(self.record, fields, rows)
        for obj in objs:
            obj.status = target

    def _refuse_unless_allowed(self, obj, target: str) -> None:
        current = obj.status
        if not self.allows(current, target):
            field = obj._meta.get_field("status")
            labels = dict(field.flatchoices)
            raise InvalidTransition(
                _("«%(object)s» είναι «%(current)s» και δεν μπορεί να γίνει «%(target)s».")
                % {"object": obj, "current": labels[current], "target": labels[target]},
                code="invalid_transition",
            )
