//! Fetches, converters and ACL matching over a request (HAProxy's sample.c, acl.c); pure.

pub mod userlist;
