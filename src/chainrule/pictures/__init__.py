"""Pictures: the network diagram, loss landscapes, cost curves."""
