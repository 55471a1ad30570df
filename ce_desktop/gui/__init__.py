"""Everything that needs Qt: the state object, the window, views, plot items, classroom and presentation."""
