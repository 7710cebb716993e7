"""The intake form's slot offers: a day to offer on, the best slots as one line each, and why there are none.

The form sets the request being typed with `show_for(form)` on every change that matters (office, minutes,
urgency, window, skills, deadline); after a short pause (DEBOUNCE_SECONDS) a thread worker reads the day
and computes the offers (`data.planning.offers.offers_for_draft`; a newer request cancels the running one) and
posts `Ready`; Enter on a slot posts `Chosen`. The panel never writes anything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.message import Message
from textual.timer import Timer
from textual.widgets import Label, OptionList, Select, Static
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from data.errors import DataError
from data.planning import DaySnapshot, RequestForm, load_day
from data.planning.offers import OfferList, SlotOffer, offers_for_draft
from dispatch.errors import DispatchError
from dispatch.plan import Plan
from tui.context import AppContext
from tui.offer_text import offer_line
from tui.text import plain

#: Typing pauses this long before the offers are computed again.
DEBOUNCE_SECONDS = 0.4


class OfferPanel(Vertical):
    """Slots for the request being typed (see the module docstring)."""

    DEFAULT_CSS = """
    OfferPanel { height: auto; margin-top: 1; }
    OfferPanel > Horizontal { height: 1; }
    OfferPanel .field-label { width: 9; color: $text-muted; }
    OfferPanel #offer-day { width: 24; }
    OfferPanel #offers-status { width: 1fr; color: $text-muted; padding-left: 1; }
    OfferPanel #offers { height: auto; max-height: 6; }
    OfferPanel #offers-reason { color: $warning; height: auto; }
    """

    class Ready(Message):
        """Offers (or a failure sentence) for the request of `seq`."""

        def __init__(self, seq: int, offers: OfferList | None, error: str | None = None) -> None:
            super().__init__()
            self.seq = seq
            self.offers = offers
            self.error = error

    class Chosen(Message):
        """The dispatcher chose a slot (Enter on it)."""

        def __init__(self, slot: SlotOffer, form: RequestForm) -> None:
            super().__init__()
            self.slot = slot
            self.form = form

    def __init__(self, ctx: AppContext, days: Sequence[tuple[str, dt.date]], day: dt.date, proposal: tuple[dt.date, Plan] | None) -> None:
        super().__init__(id="offer-panel")
        self.ctx = ctx
        self.days = list(days)
        self.start_day = day
        self.proposal = proposal
        """The board's unsaved proposal and its date: offers on that date are made on it."""
        self.form: RequestForm | None = None
        self.shown: OfferList | None = None
        self.shown_form: RequestForm | None = None
        self.seq = 0
        self._timer: Timer | None = None
        self._snapshots: dict[dt.date, DaySnapshot] = {}

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield Label("Slots on", classes="field-label")
            yield Select(self.days, value=self.start_day, allow_blank=False, id="offer-day", compact=True)
            yield Static("", id="offers-status")
        yield OptionList(id="offers", compact=True)
        yield Static("", id="offers-reason")

    def on_mount(self) -> None:
        self.query_one("#offers", OptionList).display = False
        self._status("pick the client and office to see the best slots")
        self.warm_up()

    @work(thread=True, exit_on_error=False, group="offers-warm")
    def warm_up(self) -> None:
        """Load the compiled kernels while the dispatcher types (the first offers are then quick)."""
        from dispatch.offers import warm_up

        warm_up()

    @property
    def day(self) -> dt.date:
        value = self.query_one("#offer-day", Select).value
        return value if isinstance(value, dt.date) else self.start_day

    def show_for(self, form: RequestForm | None) -> None:
        """Offer slots for `form` (None: not enough typed yet) after a short pause."""
        self.form = form
        if self._timer is not None:
            self._timer.stop()
        self.seq += 1
        if form is None:
            self.shown, self.shown_form = None, None
            self.query_one("#offers", OptionList).display = False
            self.query_one("#offers-reason", Static).update("")
            self._status("pick the client and office, and give the minutes, to see the best slots")
            return
        self._status("finding slots…")
        self._timer = self.set_timer(DEBOUNCE_SECONDS, self._start)

    @on(Select.Changed, "#offer-day")
    def day_changed(self) -> None:
        self.show_for(self.form)

    def _start(self) -> None:
        if self.form is not None:
            proposal = self.proposal[1] if self.proposal is not None and self.proposal[0] == self.day else None
            self.compute(self.seq, self.form, self.day, proposal, self.ctx.clock())

    @work(thread=True, exclusive=True, exit_on_error=False, group="offers")
    def compute(self, seq: int, form: RequestForm, day: dt.date, proposal: Plan | None, now: dt.datetime) -> None:
        """Runs in a thread; reports only through `Ready`."""
        worker = get_current_worker()
        try:
            with self.ctx.db.sessions() as session:
                snapshot = self._snapshots.get(day)
                if snapshot is None:
                    snapshot = self._snapshots[day] = load_day(session, day, now=now)
                offers = offers_for_draft(session, form, day, now, snapshot=snapshot, proposal=proposal,
                                          should_stop=lambda: worker.is_cancelled)
        except (DataError, DispatchError) as exc:
            self.post_message(self.Ready(seq, None, str(exc)))
            return
        if not worker.is_cancelled:
            self.post_message(self.Ready(seq, offers))

    @on(Ready)
    def ready(self, message: Ready) -> None:
        message.stop()
        if message.seq != self.seq:
            return  # an older request answered late
        listing = self.query_one("#offers", OptionList)
        listing.clear_options()
        reason = self.query_one("#offers-reason", Static)
        if message.offers is None:
            self.shown, self.shown_form = None, None
            listing.display = False
            reason.update(plain(f"No slots: {message.error}"))
            self._status("")
            return
        offers = message.offers
        self.shown, self.shown_form = offers, self.form
        width = max(40, (listing.size.width or self.size.width) - 2)
        listing.add_options([Option(plain(offer_line(s, offers, width)), id=str(s.rank)) for s in offers.offers])
        listing.display = bool(offers.offers)
        if offers.offers:
            listing.highlighted = 0
        count = len(offers.offers)
        self._status(f"{offers.base} · {count} slot{'s' if count != 1 else ''} · Enter on one saves it pinned there")
        reason.update(plain(f"No slot on this day: {offers.reason}" if offers.reason else ""))

    @on(OptionList.OptionSelected, "#offers")
    def chosen(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        slot = self.highlighted
        if slot is not None and self.shown_form is not None:
            self.post_message(self.Chosen(slot, self.shown_form))

    @property
    def highlighted(self) -> SlotOffer | None:
        """The slot under the cursor of the list, if the list is current."""
        if self.shown is None or self.shown_form != self.form or not self.shown.offers:
            return None
        index = self.query_one("#offers", OptionList).highlighted
        return self.shown.offers[index] if index is not None and index < len(self.shown.offers) else None

    def _status(self, text: str) -> None:
        self.query_one("#offers-status", Static).update(plain(text))
