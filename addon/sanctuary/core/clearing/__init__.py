"""The clearing: the weathered pedestal, the heart of moonlight and dawn, and the frost."""
