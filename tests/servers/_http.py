"""What the loopback servers share: writing a complete HTTP answer."""
import json
from typing import Any, Dict, Optional


def write_response(handler, status: int, payload: Any, content_type: str = "application/json",
                   headers: Optional[Dict[str, str]] = None) -> None:
    """Send ``payload`` (bytes, or anything JSON-serialisable) with its length; no body for HEAD."""
    data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(data)))
    for key, value in (headers or {}).items():
        handler.send_header(key, value)
    handler.end_headers()
    if handler.command != "HEAD":
        handler.wfile.write(data)
