// A module that fails while it is evaluated.
throw new Error("boom: the plug-in's own bug\nsecond line");
