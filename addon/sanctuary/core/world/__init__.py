"""The forest and the world around the clearing: trees, mercury leaves and their drip, placement, ground, sky."""
