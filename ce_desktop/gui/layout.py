"""The window's layout: named panels, where each one lives, which ones show and at what size.

The window builds its views and registers each as a :class:`Panel` with the one
:class:`WindowLayout` it owns (a widget in the central area, a page of a tab widget, part of
a page, or a dock). The desk, each lesson slide and presentation mode then only say what
they need::

    layout.show({Panel.TARGET, Panel.PREDICTION, Panel.GRADIENT, Panel.DESCENT},
                main=Panel.LOSS_PLOT)          # a slide: these panels, this is the main plot
    layout.show(None)                           # the desk: everything
    saved = layout.snapshot(); ...; layout.restore(saved)   # put it back exactly

The panel names and what a slide asks for (:class:`Panel`, :func:`slide_request`) live in
:mod:`ce_desktop.gui.panels`, which needs no Qt; they are re-exported here. A new workspace
adds its views and registers their panels (add a member to :class:`Panel`, then
``add_widget`` / ``add_tab`` / ``add_dock``); nothing in the lesson or presentation code
needs to know its widgets.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from ce_desktop.gui.panels import DESK, PLOTS, SLIDE_PANELS, Panel, main_panel, slide_panels, slide_request
from ce_desktop.gui.qt_imports import QtCore, QtGui, QtWidgets, pg
from ce_desktop.gui.views.readouts import ReadoutPanel

#: Share of the height a slide's main plot takes when it is in the descent dock.
DOCK_MAIN_SHARE = 0.56
#: Share of the central area's width for the editors: beside the slide's main plot, beside
#: a right column that is not the main plot, and when the editors hold the main plot.
EDITORS_BESIDE_MAIN = 0.36
EDITORS_BESIDE_OTHER = 0.42
EDITORS_MAIN = 0.6
EDITORS_BESIDE_ALL_TABS = 0.3
#: Presenting a slide whose main plot is in the descent dock: the editors side by side, and
#: their share of the width beside the right column (the gradient gives way: the editors
#: keep a readable height and the dock's main plot the most room).
EDITORS_SIDE_BY_SIDE = 0.68
#: Plots in the dock (a slide naming one of them as its main plot gives the dock most height).
DOCK_PLOTS = frozenset({Panel.LOSS_PLOT, Panel.LOGIT_PLOT, Panel.SIMPLEX})
#: Share of the bottom docks' height at the desk's first show.
DESK_DOCK_SHARE = 0.3


def refit_legend(legend) -> None:
    """Size a pyqtgraph legend to its labels again.

    A legend grows when its text grows (a larger text size) but keeps that size when the
    text shrinks again, so its entries spread across the plot with the colour samples far
    from their names. Its grid is given a tiny size and laid out afresh to fit.
    """
    for _sample, label in legend.items:
        label.updateGeometry()
    legend.layout.invalidate()
    legend.setGeometry(0, 0, 1, 1)
    legend.layout.activate()
    legend.updateSize()


@dataclass
class _Tab:
    """A page of a tab widget, holding one or more panels (built now, or when first needed)."""

    tabs: QtWidgets.QTabWidget
    page: QtWidgets.QWidget
    panels: tuple[Panel, ...]
    build: Callable[[], QtWidgets.QWidget] | None = None
    parts: dict = field(default_factory=dict)  # Panel -> widget inside the page


@dataclass
class LayoutSnapshot:
    """A saved layout (see :meth:`WindowLayout.snapshot`)."""

    dock_state: QtCore.QByteArray
    splitters: dict
    tab_index: dict
    tab_visible: dict
    tab_bars: dict
    widgets_shown: dict
    shown: frozenset
    main: Panel | None
    user_sized: bool
    sized: bool
    size: QtCore.QSize
    editors_orientation: QtCore.Qt.Orientation = QtCore.Qt.Orientation.Vertical


class WindowLayout(QtCore.QObject):
    """The panels of one window: where each lives, which show, how the room is shared.

    Signals
    -------
    panelsChanged(object)
        The frozenset of panels now asked for (:data:`DESK` at the desk).
    """

    panelsChanged = QtCore.Signal(object)

    def __init__(self, window: QtWidgets.QMainWindow):
        super().__init__(window)
        self.window = window
        self._widgets: dict[Panel, QtWidgets.QWidget] = {}
        self._tabs: dict[Panel, _Tab] = {}
        self._docks: dict[Panel, QtWidgets.QDockWidget] = {}
        self.shown: frozenset[Panel] = DESK
        self.main: Panel | None = None
        #: The user moved a splitter: stop re-balancing on resize.
        self.user_sized = False
        #: Presentation mode: tab bars with one tab go, the dock gets only what it needs.
        self.presenting = False
        self._sized = False
        self._splitters: list[QtWidgets.QSplitter] = []
        self._lazy_tab_widgets: list[QtWidgets.QTabWidget] = []
        self._restored: LayoutSnapshot | None = None
        self._stale_tab_bars: set[QtWidgets.QTabBar] = set()

    # ------------------------------------------------------------------ building the desk

    def build_desk(self, target, prediction_row, readouts, tabs: QtWidgets.QTabWidget) -> QtWidgets.QWidget:
        """The central area: the editors on the left, the readouts above the detail tabs on the right."""
        self.add_widget(Panel.TARGET, target)
        self.add_widget(Panel.PREDICTION, prediction_row)
        self.add_widget(Panel.READOUTS, readouts)
        self.detail_tabs = tabs
        self.left_splitter = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        self.left_splitter.setObjectName("editors")
        self.left_splitter.addWidget(target)
        self.left_splitter.addWidget(prediction_row)
        self.left_splitter.setChildrenCollapsible(False)

        self.right_splitter = QtWidgets.QSplitter(QtCore.Qt.Orientation.Vertical)
        self.right_splitter.setObjectName("results")
        self.right_splitter.addWidget(readouts)
        self.right_splitter.addWidget(tabs)
        self.right_splitter.setStretchFactor(0, 0)
        self.right_splitter.setStretchFactor(1, 1)
        self.right_splitter.setChildrenCollapsible(False)

        self.main_splitter = QtWidgets.QSplitter(QtCore.Qt.Orientation.Horizontal)
        self.main_splitter.setObjectName("main_splitter")
        self.main_splitter.addWidget(self.left_splitter)
        self.main_splitter.addWidget(self.right_splitter)
        self.main_splitter.setStretchFactor(0, 9)
        self.main_splitter.setStretchFactor(1, 11)
        self.main_splitter.setChildrenCollapsible(False)
        # The editors, numbers and plots scroll when the window is too small for them (a small
        # window) instead of being squeezed below their minimum sizes. With room to spare the
        # area looks exactly as the splitter alone would.
        self.central_area = QtWidgets.QScrollArea()
        self.central_area.setObjectName("central_area")
        self.central_area.setWidgetResizable(True)
        self.central_area.setFrameShape(QtWidgets.QFrame.Shape.NoFrame)
        self.central_area.setFocusPolicy(QtCore.Qt.FocusPolicy.NoFocus)  # arrow keys edit bars, not scroll
        self.central_area.setWidget(self.main_splitter)
        # A dock opening beside it (the exercises) narrows the area with no window resize.
        self.central_area.viewport().installEventFilter(self)
        self.watch_splitter(self.main_splitter, self.left_splitter, self.right_splitter)
        return self.central_area

    def watch_splitter(self, *splitters: QtWidgets.QSplitter) -> None:
        """A splitter the layout sizes and saves; moving it by hand stops the re-balancing."""
        for sp in splitters:
            self._splitters.append(sp)
            sp.splitterMoved.connect(self._on_splitter_moved)

    # ------------------------------------------------------------------ registering panels

    def add_widget(self, panel: Panel, widget: QtWidgets.QWidget) -> None:
        """A panel that is a widget placed by the window itself."""
        self._widgets[panel] = widget

    def add_tab(self, panels: Panel | tuple[Panel, ...], tabs: QtWidgets.QTabWidget, page: QtWidgets.QWidget,
                label: str, build: Callable[[], QtWidgets.QWidget] | None = None, parts: dict | None = None) -> int:
        """A page of ``tabs`` holding ``panels``; ``build()`` (if given) makes the view that
        replaces the empty ``page`` the first time it is needed. Returns the tab's index."""
        k = tabs.addTab(page, label)
        self.register_tab(panels, tabs, page, build, parts)
        if build is not None and tabs not in self._lazy_tab_widgets:
            self._lazy_tab_widgets.append(tabs)
            tabs.currentChanged.connect(lambda index, tabs=tabs: self.build_pending(tabs, index))
        return k

    def register_tab(self, panels: Panel | tuple[Panel, ...], tabs: QtWidgets.QTabWidget,
                     page: QtWidgets.QWidget, build: Callable[[], QtWidgets.QWidget] | None = None,
                     parts: dict | None = None) -> None:
        """A page already in ``tabs`` that holds ``panels`` (see :meth:`add_tab`)."""
        panels = (panels,) if isinstance(panels, Panel) else tuple(panels)
        entry = _Tab(tabs, page, panels, build, dict(parts or {}))
        for p in panels:
            self._tabs[p] = entry

    def set_text_font(self, font: QtGui.QFont, scale: float = 1.0) -> None:
        """The text size of the chrome: every tab bar in ``font``, every dock's title in the
        application's font times ``scale`` (the text scale: unchanged at 100 %)."""
        for tabs in self._all_tab_widgets():
            bar = tabs.tabBar()
            if bar.font() == font:
                continue
            bar.setFont(font)
            if not bar.isVisible():
                self._stale_tab_bars.add(bar)
                bar.installEventFilter(self)  # installing twice keeps one filter
        title = QtGui.QFont(QtWidgets.QApplication.font())
        if title.pixelSize() > 0:
            title.setPixelSize(max(6, round(title.pixelSize() * scale)))
        else:
            title.setPointSizeF(title.pointSizeF() * scale)
        for dock in self.window.findChildren(QtWidgets.QDockWidget):
            dock.setFont(title)  # its title; the views inside set their own fonts

    def add_dock(self, panel: Panel, dock: QtWidgets.QDockWidget) -> None:
        self._docks[panel] = dock

    def dock(self, panel: Panel) -> QtWidgets.QDockWidget | None:
        return self._docks.get(panel)

    def widget(self, panel: Panel) -> QtWidgets.QWidget | None:
        """The panel's widget (building a lazily built tab's view)."""
        if panel in self._widgets:
            return self._widgets[panel]
        if panel in self._tabs:
            entry = self._tabs[panel]
            if panel in entry.parts:
                return entry.parts[panel]
            return self.built_page(entry)
        dock = self._docks.get(panel)
        return dock.widget() if dock is not None else None

    def page(self, panel: Panel) -> QtWidgets.QWidget | None:
        """What the panel's tab holds now (the empty page of a tab not built yet)."""
        entry = self._tabs.get(panel)
        return entry.page if entry is not None else None

    def is_built(self, panel: Panel) -> bool:
        entry = self._tabs.get(panel)
        return entry is None or entry.build is None

    def built_page(self, entry: _Tab) -> QtWidgets.QWidget:
        """The tab's view, building it in place of its empty page the first time."""
        if entry.build is None:
            return entry.page
        build, entry.build = entry.build, None
        view = build()
        tabs, page = entry.tabs, entry.page
        k = tabs.indexOf(page)
        current = tabs.currentIndex()
        blocked = tabs.blockSignals(True)  # the page's removal is no tab change
        try:
            label, tip = tabs.tabText(k), tabs.tabToolTip(k)
            visible = tabs.isTabVisible(k)
            policy = page.sizePolicy()
            tabs.removeTab(k)
            tabs.insertTab(k, view, label)
            tabs.setTabToolTip(k, tip)
            tabs.setTabVisible(k, visible)
            view.setSizePolicy(policy)
            tabs.setCurrentIndex(current)
        finally:
            tabs.blockSignals(blocked)
        entry.page = view
        page.deleteLater()
        return view

    def build_pending(self, tabs: QtWidgets.QTabWidget | None = None, index: int | None = None) -> None:
        """Build the tab views not built yet (all, or the one at ``index`` of ``tabs``)."""
        for entry in {id(e): e for e in self._tabs.values()}.values():
            if entry.build is None:
                continue
            if tabs is None or (entry.tabs is tabs and tabs.indexOf(entry.page) == index):
                self.built_page(entry)

    def panels_in_tab(self, tabs: QtWidgets.QTabWidget, index: int) -> tuple[Panel, ...]:
        page = tabs.widget(index)
        for entry in self._tabs.values():
            if entry.tabs is tabs and entry.page is page:
                return entry.panels
        return ()

    # ------------------------------------------------------------------ showing panels

    def show(self, panels: Iterable[Panel] | None, main: Panel | None = None, docks: bool = True) -> None:
        """Show exactly ``panels`` (``None``: the desk, everything); ``main`` gets most of the room.

        ``docks=False`` leaves the docks as the user had them.
        """
        shown = DESK if panels is None else frozenset(panels)
        self.shown = shown
        self.main = main if main in shown else None
        for panel, widget in self._widgets.items():
            widget.setVisible(panel in shown)
        self.left_splitter.setVisible(bool(shown & {Panel.TARGET, Panel.PREDICTION}))
        self.left_splitter.setOrientation(QtCore.Qt.Orientation.Horizontal if self.editors_side_by_side()
                                          else QtCore.Qt.Orientation.Vertical)
        for tabs in self._tab_widgets():
            self._show_tabs(tabs, shown)
        self.right_splitter.setVisible(Panel.READOUTS in shown or not self.detail_tabs.isHidden())
        if docks:
            dock = self._docks.get(Panel.DESCENT)
            if dock is not None:
                dock.setVisible(Panel.DESCENT in shown)
        self.panelsChanged.emit(shown)
        self.fit()

    def editors_side_by_side(self) -> bool:
        """Presenting a slide about a plot in the descent dock, with both editors: the editors
        stand side by side (stacked, each got too little height to be read, beside the dock)."""
        both = {Panel.TARGET, Panel.PREDICTION} <= self.shown
        return self.presenting and self.main in DOCK_PLOTS and both

    def _tab_widgets(self) -> list[QtWidgets.QTabWidget]:
        out = []
        for entry in self._tabs.values():
            if entry.tabs not in out:
                out.append(entry.tabs)
        return out

    def _show_tabs(self, tabs: QtWidgets.QTabWidget, shown: frozenset) -> None:
        """The pages that hold a shown panel; the main plot's (else the first) in front."""
        visible = []
        front = None
        for i in range(tabs.count()):
            panels = self.panels_in_tab(tabs, i)
            parts = self._tabs[panels[0]].parts if panels and panels[0] in self._tabs else {}
            wanted = [p for p in panels if p in shown]
            tabs.setTabVisible(i, bool(wanted))
            page = tabs.widget(i)  # None only for an index out of range
            ignored, preferred = QtWidgets.QSizePolicy.Policy.Ignored, QtWidgets.QSizePolicy.Policy.Preferred
            # A hidden tab's page must not make the others bigger than they need (the stacked
            # pages take the largest page's minimum size, ignored pages excepted).
            if page is not None:
                page.setSizePolicy(*(2 * (preferred if wanted else ignored,)))
            if not wanted:
                continue
            visible.append(i)
            if self.main in wanted:
                front = i
            for part_panel, part in parts.items():
                # Of two plots in one page, a slide may name one; without either, both show.
                part.setVisible(part_panel in shown or not (set(parts) & shown))
        if front is None and visible:
            current = tabs.currentIndex()
            front = current if current in visible and shown == DESK else visible[0]
        if front is not None:
            tabs.setCurrentIndex(front)
        tabs.setVisible(bool(visible))
        tabs.tabBar().setVisible(not (self.presenting and len(visible) <= 1))

    def show_dock(self, panel: Panel, on: bool = True) -> None:
        dock = self._docks.get(panel)
        if dock is not None:
            dock.setVisible(on)
            if on:
                dock.raise_()
                self.fit_side_dock(dock)

    def fit_side_dock(self, dock: QtWidgets.QDockWidget) -> None:
        """A dock at the side as wide as its content asks, at most a quarter of the window:
        the editors, readouts and tabs keep their room."""
        w = self.window
        if dock.isFloating() or w.dockWidgetArea(dock) not in (QtCore.Qt.DockWidgetArea.RightDockWidgetArea,
                                                              QtCore.Qt.DockWidgetArea.LeftDockWidgetArea):
            return
        need = dock.widget().minimumSizeHint().width()
        central = max(self.main_splitter.minimumSizeHint().width(),
                      self.left_splitter.minimumSizeHint().width() + self.detail_tabs.tabBar().sizeHint().width() + 24)
        room = w.width() - central - 16
        wish = dock.widget().sizeHint().width()
        w.resizeDocks([dock], [max(need, min(wish, int(w.width() / 4), room))], QtCore.Qt.Orientation.Horizontal)
        QtCore.QTimer.singleShot(0, self, self.fit)  # once the dock has its width

    def show_tab(self, panel: Panel) -> None:
        """Bring a panel's tab to the front (and show its column)."""
        entry = self._tabs[panel]
        page = self.built_page(entry)
        k = entry.tabs.indexOf(page)
        entry.tabs.setTabVisible(k, True)
        entry.tabs.setVisible(True)
        entry.tabs.setCurrentIndex(k)
        if entry.tabs is self.detail_tabs:
            self.right_splitter.setVisible(True)

    def is_visible(self, panel: Panel) -> bool:
        """Whether the panel is on screen now (its widget, page and dock all visible)."""
        w = self.widget(panel)
        return w is not None and w.isVisibleTo(self.window) and self.window.isVisible() and w.isVisible()

    # ------------------------------------------------------------------ sharing the room

    def fit(self) -> None:
        """Share the room: the main plot (if any) gets most of it, the rest what it needs."""
        if self.user_sized or not self.window.isVisible():
            return
        w = self.window
        main = self.main
        right_main = main in {Panel.CONTRIBUTIONS, Panel.GRADIENT, Panel.BINARY, Panel.COMPARISON, Panel.FORMULA,
                              Panel.TABLE}
        if not self.right_splitter.isVisibleTo(w):
            share = 1.0
        elif self.presenting and self.shown == DESK:
            share = EDITORS_BESIDE_ALL_TABS  # every detail tab: their names need the width
        elif self.editors_side_by_side():
            share = EDITORS_SIDE_BY_SIDE
        elif main in {Panel.TARGET, Panel.PREDICTION}:
            share = EDITORS_MAIN
        elif right_main:
            share = EDITORS_BESIDE_MAIN
        else:
            share = EDITORS_BESIDE_OTHER
        total = max(1, sum(self.main_splitter.sizes()) or self.main_splitter.width())
        if self.right_splitter.isVisibleTo(w) and not self.detail_tabs.tabBar().isHidden():
            # The tab names in full (large text), as long as the editors keep a useful width.
            need = self.detail_tabs.tabBar().sizeHint().width() + 8
            floor = max(0.2, (self.left_splitter.minimumSizeHint().width() + 4) / total)
            share = max(min(share, 1 - need / total), min(share, floor))
        room = w.width() - 16 if self.presenting else self._readouts_room(self.central_area.viewport().width())
        self._fit_readouts(room)
        self.main_splitter.setSizes([int(total * share), total - int(total * share)])
        lh = max(1, sum(self.left_splitter.sizes()) or self.left_splitter.height())
        top = lh // 2
        if self.left_splitter.orientation() == QtCore.Qt.Orientation.Horizontal:
            # The target's plot beside the prediction's one or two (logits and softmax).
            row = self._widgets.get(Panel.PREDICTION)
            plots = [p for p in row.findChildren(pg.PlotWidget) if p.isVisibleTo(row)] if row is not None else []
            top = lh // (1 + max(1, len(plots)))
        elif main is Panel.PREDICTION:
            top = int(lh * 0.44)
        elif main is Panel.TARGET:
            top = int(lh * 0.56)
        self.left_splitter.setSizes([top, lh - top])
        readouts = self._widgets.get(Panel.READOUTS)
        if readouts is not None and readouts.parentWidget() is self.right_splitter:
            h = max(1, sum(self.right_splitter.sizes()) or self.right_splitter.height())
            top = min(readouts.sizeHint().height(), int(h * 0.45))
            self.right_splitter.setSizes([top, h - top])
        per_class = self._tabs.get(Panel.CONTRIBUTIONS)
        if per_class is not None:
            sp = per_class.page
            if isinstance(sp, QtWidgets.QSplitter):
                t = max(1, sum(sp.sizes()))
                first = {Panel.CONTRIBUTIONS: 0.66, Panel.GRADIENT: 0.34}.get(main, 0.64) if main is not None else 0.64
                sp.setSizes([int(t * first), t - int(t * first)])
        self.fit_bottom_dock()

    def _readouts_room(self, area_width: int) -> int:
        """The most the right column can have in an area this wide (the editors at their minimum)."""
        left = self.left_splitter.minimumSizeHint().width() + 8 if self.left_splitter.isVisibleTo(self.window) else 0
        return area_width - left

    def _fit_readouts(self, width: int) -> None:
        """Four readouts in a row where they fit in ``width``, else two rows of two (large
        text): never a main area that scrolls sideways or a number cut at the edge."""
        readouts = self._widgets.get(Panel.READOUTS)
        if not isinstance(readouts, ReadoutPanel):  # none, or a stand-in (tests)
            return
        boxes = (readouts.ce, readouts.entropy, readouts.kl, readouts.perplexity)
        hint = (lambda b: b.sizeHint()) if self.presenting else (lambda b: b.minimumSizeHint())
        need = sum(hint(b).width() for b in boxes) + 3 * readouts.grid.horizontalSpacing() + 8
        readouts.set_columns(4 if need <= width else 2)

    def eventFilter(self, obj, ev) -> bool:
        if isinstance(obj, QtWidgets.QTabBar):
            if ev.type() == QtCore.QEvent.Type.Show and obj in self._stale_tab_bars:
                # Qt keeps a hidden tab bar's old tab sizes through a font change (it lays
                # the tabs out again only for a new text): the bar, and the dock holding it,
                # would come back at the old text size.
                self._stale_tab_bars.discard(obj)
                if obj.count():
                    obj.setTabText(0, obj.tabText(0))
            return False
        if ev.type() == QtCore.QEvent.Type.Resize and not self.presenting and self.right_splitter.isVisible():
            self._fit_readouts(self._readouts_room(ev.size().width()))
        return False

    def fit_bottom_dock(self) -> None:
        """The descent dock: most of the height when its plot is the main plot, else what its
        controls need (presenting) or a third of the window (the desk's first show)."""
        dock, w = self._docks.get(Panel.DESCENT), self.window
        body, central = (dock.widget() if dock is not None else None), w.centralWidget()
        if dock is None or body is None or central is None or not dock.isVisible() or dock.isFloating():
            return
        need = body.minimumSizeHint().height()
        if self.main in {Panel.LOSS_PLOT, Panel.LOGIT_PLOT, Panel.SIMPLEX}:
            # Most of what the other docks (the caption) leave, but never so much that the
            # central area has to scroll.
            avail = central.height() + dock.height()
            central_need = central.minimumSizeHint().height()
            h = max(need, min(int(avail * DOCK_MAIN_SHARE), avail - central_need))
        elif self.presenting or self.main is not None:
            h = need
        elif not self._sized:
            h = max(need, int(w.height() * DESK_DOCK_SHARE))
        else:
            return
        w.resizeDocks([dock], [h], QtCore.Qt.Orientation.Vertical)

    def first_show(self) -> None:
        """(window) Size everything once the window has its size."""
        self.fit()
        self._sized = True

    def resized(self) -> None:
        """(window) The window changed size: share the room again unless the user arranged it
        (or a restored layout is back at its own size: then it stays exactly as saved)."""
        restored = self._restored
        if restored is not None and self.window.size() == restored.size:
            self._restore_splitters(restored)
            return
        self._restored = None
        if not self.user_sized and self._sized:
            self.fit()

    def _on_splitter_moved(self, *args) -> None:
        self.user_sized = True
        self._restored = None

    # ------------------------------------------------------------------ saving and restoring

    def _all_tab_widgets(self) -> list[QtWidgets.QTabWidget]:
        return self.window.findChildren(QtWidgets.QTabWidget)

    def snapshot(self) -> LayoutSnapshot:
        """Everything :meth:`restore` puts back: docks, splitter sizes, tabs, what shows."""
        w = self.window
        tab_widgets = self._all_tab_widgets()
        return LayoutSnapshot(
            dock_state=w.saveState(),
            splitters={sp: sp.sizes() for sp in w.findChildren(QtWidgets.QSplitter)} if w.isVisible() else {},
            tab_index={t: t.currentIndex() for t in tab_widgets},
            tab_visible={t: [t.isTabVisible(i) for i in range(t.count())] for t in tab_widgets},
            tab_bars={t: not t.tabBar().isHidden() for t in tab_widgets},
            widgets_shown={
                x: not x.isHidden()
                for x in (*self._widgets.values(), self.left_splitter, self.right_splitter, self.detail_tabs)
            },
            shown=self.shown,
            main=self.main,
            user_sized=self.user_sized,
            sized=self._sized,
            size=w.size(),
            editors_orientation=self.left_splitter.orientation(),
        )

    def restore(self, saved: LayoutSnapshot) -> None:
        """Put back a :meth:`snapshot` exactly (the legends fitted to their text again)."""
        w = self.window
        self.shown, self.main = saved.shown, saved.main
        self.left_splitter.setOrientation(saved.editors_orientation)
        for x, on in saved.widgets_shown.items():
            x.setVisible(on)
        for t, flags in saved.tab_visible.items():
            ignored = QtWidgets.QSizePolicy.Policy.Ignored
            preferred = QtWidgets.QSizePolicy.Policy.Preferred
            for i, on in enumerate(flags[: t.count()]):
                t.setTabVisible(i, on)
                t.widget(i).setSizePolicy(*(2 * (preferred if on else ignored,)))
            t.tabBar().setVisible(saved.tab_bars.get(t, True))
            t.setCurrentIndex(saved.tab_index.get(t, t.currentIndex()))
        w.restoreState(saved.dock_state)
        self.user_sized = saved.user_sized
        self._sized = saved.sized
        self._restored = saved if saved.splitters else None
        self._restore_splitters(saved)
        if saved.splitters:
            # The window's own resize may re-balance the splitters once the size is back.
            QtCore.QTimer.singleShot(0, self, lambda: self._restore_later(saved))
        self.refit_legends()

    def _restore_later(self, saved: LayoutSnapshot) -> None:
        """Once the window is back at its size and text: the docks' sizes and the splitters again."""
        if self.presenting:
            return
        if self.window.saveState() != saved.dock_state:
            self.window.restoreState(saved.dock_state)
        self._restore_splitters(saved)

    def _restore_splitters(self, saved: LayoutSnapshot) -> None:
        if self.presenting:
            return
        for sp, sizes in saved.splitters.items():
            if sp.sizes() != sizes:
                sp.setSizes(sizes)

    def refit_legends(self) -> None:
        """Fit every plot's legend to its text (after the text size changed)."""
        for view in self.window.findChildren(pg.PlotWidget):
            legend = view.getPlotItem().legend
            if legend is not None:
                refit_legend(legend)

    # ------------------------------------------------------------------ presentation stage

    def set_readouts_on_top(self, on: bool) -> None:
        """Presenting: the readouts become one row across the whole width, above the editors
        and the plots (four large numbers side by side need more than the right column)."""
        w = self.window
        readouts = self._widgets[Panel.READOUTS]
        shown = not readouts.isHidden()
        if on:
            main = w.takeCentralWidget()
            assert main is not None, "the layout set the central area when it was built"
            stage = QtWidgets.QWidget()
            stage.setObjectName("presentation_stage")
            lay = QtWidgets.QVBoxLayout(stage)
            lay.setContentsMargins(0, 0, 0, 0)
            lay.setSpacing(4)
            lay.addWidget(readouts)
            lay.addWidget(main, 1)
            w.setCentralWidget(stage)
            main.show()  # reparented widgets are shown by a queued call; now (a slide may come first)
            stage.show()
        else:
            old = w.takeCentralWidget()
            self.right_splitter.insertWidget(0, readouts)
            self.right_splitter.setStretchFactor(0, 0)
            self.right_splitter.setStretchFactor(1, 1)
            w.setCentralWidget(self.central_area)
            self.central_area.show()
            if old is not None and old is not self.central_area:
                old.deleteLater()
        readouts.setVisible(shown)

    def set_dock_titles(self, on: bool) -> None:
        """Dock title bars (hidden while presenting: no chrome)."""
        for dock in self.window.findChildren(QtWidgets.QDockWidget):
            if on:
                bar = dock.titleBarWidget()
                dock.setTitleBarWidget(None)  # type: ignore[arg-type]  # Qt's nullptr: the default bar; stubs say QWidget
                if bar is not None:
                    bar.deleteLater()
            elif dock.titleBarWidget() is None:
                empty = QtWidgets.QWidget(dock)
                empty.setFixedHeight(0)
                dock.setTitleBarWidget(empty)


__all__ = [
    "Panel",
    "PLOTS",
    "DESK",
    "SLIDE_PANELS",
    "WindowLayout",
    "LayoutSnapshot",
    "slide_panels",
    "main_panel",
    "slide_request",
    "refit_legend",
]
