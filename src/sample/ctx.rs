//! What fetches read (the stream's addresses, heads, body and names) and where variables
//! live (configuration.txt 2.8 "Variables", `set-var`, `var()`): the scopes `proc` (the
//! process), `sess` (the client connection), `txn` (the transaction), `req` and `res` (its
//! two directions), `check` (a health check).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Mutex;

use super::value::Value;
use crate::config::model::VarCond;
use crate::http::Head;

/// What a fetch can look at. Fields that do not apply where the rule runs are `None`.
#[derive(Clone, Copy, Default)]
pub struct Ctx<'a> {
    /// The client's address.
    pub src: Option<SocketAddr>,
    /// The address the client connected to.
    pub dst: Option<SocketAddr>,
    /// The request head.
    pub req: Option<&'a Head>,
    /// The response head (`http-response` rules).
    pub res: Option<&'a Head>,
    /// The buffered request body (`option http-buffer-request`).
    pub body: Option<&'a [u8]>,
    /// The frontend's name and id.
    pub frontend: Option<(&'a str, i64)>,
    /// The backend's name and id, once known.
    pub backend: Option<(&'a str, i64)>,
    /// The server's name and id, once chosen.
    pub server: Option<(&'a str, i64)>,
}

/// The variables of one stream (scopes `sess`, `txn`, `req`, `res`); `proc` is shared by the
/// process. Nothing is allocated until a variable is set.
#[derive(Debug, Default)]
pub struct Vars {
    scopes: Option<Box<Scopes>>,
}

#[derive(Debug, Default)]
struct Scopes {
    sess: HashMap<String, Value<'static>>,
    txn: HashMap<String, Value<'static>>,
    req: HashMap<String, Value<'static>>,
    res: HashMap<String, Value<'static>>,
}

static PROC: Mutex<Option<HashMap<String, Value<'static>>>> = Mutex::new(None);

impl Vars {
    /// The value of `name` (`txn.x`), if set.
    pub fn get(&self, name: &str) -> Option<Value<'static>> {
        let (scope, key) = name.split_once('.')?;
        if scope == "proc" {
            let g = PROC.lock().ok()?;
            return g.as_ref()?.get(key).cloned();
        }
        self.map(scope)?.get(key).cloned()
    }

    /// Sets `name` to `v`.
    pub fn set(&mut self, name: &str, v: Value<'_>) {
        let Some((scope, key)) = name.split_once('.') else {
            return;
        };
        let v = v.into_owned();
        if scope == "proc" {
            if let Ok(mut g) = PROC.lock() {
                g.get_or_insert_with(HashMap::new)
                    .insert(key.to_string(), v);
            }
            return;
        }
        if let Some(m) = self.map_mut(scope) {
            m.insert(key.to_string(), v);
        }
    }

    /// Sets `name` to `v` if `conds` allow it, as HAProxy's `var_set()` checks them against
    /// the variable's current value.
    pub fn set_if(&mut self, name: &str, v: Value<'_>, conds: &[VarCond]) {
        if !conds.is_empty() {
            let old = self.get(name);
            let text_len = match &v {
                Value::Str(b) | Value::Bin(b) => Some(b.len()),
                _ => None,
            };
            let allowed = conds.iter().all(|c| match c {
                VarCond::Exists(want) | VarCond::Set(want) => old.is_some() == *want,
                // A scalar is never empty.
                VarCond::Empty(true) => text_len == Some(0),
                VarCond::Empty(false) => text_len != Some(0),
                // Compared only when both are integers: set when the old one is greater
                // (`ifgt`) or less (`iflt`) than the new one.
                VarCond::Gt | VarCond::Lt => match (&old, &v) {
                    (Some(Value::Sint(o)), Value::Sint(n)) => {
                        if *c == VarCond::Gt {
                            o > n
                        } else {
                            o < n
                        }
                    }
                    _ => true,
                },
            });
            if !allowed {
                return;
            }
        }
        self.set(name, v);
    }

    /// Removes `name`.
    pub fn unset(&mut self, name: &str) {
        let Some((scope, key)) = name.split_once('.') else {
            return;
        };
        if scope == "proc" {
            if let Ok(mut g) = PROC.lock() {
                if let Some(m) = g.as_mut() {
                    m.remove(key);
                }
            }
            return;
        }
        if let Some(m) = self.map_mut(scope) {
            m.remove(key);
        }
    }

    /// Ends a transaction: its `txn`, `req` and `res` variables go, `sess` ones stay.
    pub fn end_txn(&mut self) {
        if let Some(s) = self.scopes.as_mut() {
            s.txn.clear();
            s.req.clear();
            s.res.clear();
        }
    }

    fn map(&self, scope: &str) -> Option<&HashMap<String, Value<'static>>> {
        let s = self.scopes.as_ref()?;
        match scope {
            "sess" => Some(&s.sess),
            "txn" => Some(&s.txn),
            "req" => Some(&s.req),
            "res" => Some(&s.res),
            _ => None,
        }
    }

    fn map_mut(&mut self, scope: &str) -> Option<&mut HashMap<String, Value<'static>>> {
        if !matches!(scope, "sess" | "txn" | "req" | "res") {
            return None;
        }
        let s = self.scopes.get_or_insert_with(Box::default);
        match scope {
            "sess" => Some(&mut s.sess),
            "txn" => Some(&mut s.txn),
            "req" => Some(&mut s.req),
            _ => Some(&mut s.res),
        }
    }
}
