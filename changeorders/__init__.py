"""changeorders: event-sourced change orders for MSP partner portals."""
