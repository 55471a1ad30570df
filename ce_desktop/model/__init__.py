"""The Qt-free model: the maths, scenarios, history, lessons and exercises as data."""
