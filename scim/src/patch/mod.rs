//! The PATCH engine (RFC 7644 section 3.5.2). (Placeholder.)
