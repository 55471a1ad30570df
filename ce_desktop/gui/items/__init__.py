"""pyqtgraph items of our own, one per file (as pyqtgraph keeps its own).

Each item does one job, is built once and fed numbers (``set_values``, ``setData``,
``setOpts``), and reports through ``sig*`` signals. They use pyqtgraph's public API only
(``GraphicsObject``, ``PlotCurveItem``, the view hooks ``viewRangeChanged`` and
``viewTransformChanged``); the few private uses left in the package are listed in
docs/private-api.md.
"""
