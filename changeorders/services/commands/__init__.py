"""The write side: the event-sourced application, HTTP API, CLI support and demo."""
