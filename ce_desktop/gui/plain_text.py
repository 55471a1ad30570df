"""Text from a file, a user or an error is shown as text: Qt never gets to read it as HTML.

Qt guesses. A ``QLabel`` with the default text format, a tooltip and a message box's text are
rendered as HTML whenever ``Qt.mightBeRichText`` thinks they look like it, and pyqtgraph's plot
titles, legends and axis labels are always HTML. HTML there is not harmless: ``<img src=FILE>``
makes Qt read FILE while laying the text out (a named pipe blocks the app for ever, /dev/zero
fills the memory until it aborts), and ``<b>`` or ``&lt;`` change what the user typed. So every
view shows such text through one of these:

* :func:`label` for a ``QLabel`` (it shows every later ``setText`` as typed, too);
* :func:`escape` for the user's part of the app's own rich-text templates (plot titles, legends,
  the calculation, the comparison table);
* :func:`tooltip` for a tooltip;
* :func:`message_box` for a question or a problem in a dialog;
* :func:`window_title` for the user's part of a window or dock title;
* :func:`menu_text` for the user's, a lesson's or an undo label's part of a menu item (a
  ``QAction``'s text), where ``&`` marks the shortcut key: "Per class & gradient" would show
  as "Per class _gradient".

Widgets that never interpret their text as HTML need none of the others: menus, buttons and combo
boxes (but see :func:`menu_text`), table cells, line edits, the status bar, ``pg.TextItem.setText``,
axis tick labels (drawn with ``QPainter.drawText``) and ``QStaticText`` in plain format.
"""

from __future__ import annotations

import html

from PySide6 import QtCore, QtGui, QtWidgets

PLAIN = QtCore.Qt.TextFormat.PlainText


def escape(text) -> str:
    """``text`` as HTML that shows its characters, for a rich-text template's user parts."""
    return html.escape(str(text))


def label(text: str = "", parent: QtWidgets.QWidget | None = None) -> QtWidgets.QLabel:
    """A ``QLabel`` that shows ``text``, and whatever is set later, as plain text."""
    widget = QtWidgets.QLabel(parent)
    widget.setTextFormat(PLAIN)
    widget.setText(str(text))
    return widget


def tooltip(text) -> str:
    """``text`` as a tooltip that shows its characters.

    Qt shows a tooltip as HTML exactly when ``Qt.mightBeRichText`` says it may be HTML; only then
    is it escaped (line breaks and spaces kept), so ordinary tooltips stay as they were.
    """
    text = str(text)
    if not QtGui.Qt.mightBeRichText(text):
        return text
    return f"<p style='white-space:pre'>{escape(text)}</p>"


def message_box(icon: QtWidgets.QMessageBox.Icon, title: str, text: str, informative: str = "",
                buttons=QtWidgets.QMessageBox.StandardButton.Ok,
                parent: QtWidgets.QWidget | None = None) -> QtWidgets.QMessageBox:
    """A message box whose text and informative text are plain text (see the module's doc).

    Later ``setText`` / ``setInformativeText`` calls stay plain as well.
    """
    box = QtWidgets.QMessageBox(parent)
    box.setIcon(icon)
    box.setWindowTitle(window_title(title))
    box.setText(str(text))
    if informative:
        box.setInformativeText(str(informative))
    # Set after both texts: the format reaches the informative text's label only once it exists.
    box.setTextFormat(PLAIN)
    box.setStandardButtons(buttons)
    return box


def menu_text(text) -> str:
    """``text`` for a menu item or action: each ``&`` doubled, so Qt shows it instead of taking
    it as the mark of a shortcut key."""
    return str(text).replace("&", "&&")


def window_title(text) -> str:
    """``text`` for a window or dock title: Qt turns "[*]" into the unsaved-changes mark (or
    removes it), and shows a doubled "[*][*]" as "[*]"."""
    return str(text).replace("[*]", "[*][*]")
