//! A server's operational and administrative states and the pure rules that read them
//! (HAProxy's `enum srv_state`, `enum srv_admin`, `srv_currently_usable()`,
//! `srv_dynamic_maxconn()`).
//!
//! configuration.txt 5.2 "disabled", "weight", "maxconn", "minconn", "slowstart";
//! 4.2 "fullconn". Pure: no clock (times are passed in), no I/O.

use std::time::Duration;

/// Operational state, driven by health checks and `track` (HAProxy's `srv_state`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[repr(u8)]
pub enum OpState {
    /// DOWN: checks failed.
    Stopped = 0,
    /// UP, but warming up under `slowstart`.
    Starting = 1,
    /// UP.
    Running = 2,
    /// UP but going away (`http-check disable-on-404`): keeps persistent traffic only.
    Stopping = 3,
}

impl OpState {
    /// From its stored byte.
    pub fn from_u8(v: u8) -> OpState {
        match v {
            0 => OpState::Stopped,
            1 => OpState::Starting,
            3 => OpState::Stopping,
            _ => OpState::Running,
        }
    }

    /// UP in the sense of the stats page and the state-change lines (not DOWN).
    pub fn is_up(self) -> bool {
        self != OpState::Stopped
    }
}

/// Administrative state (HAProxy's `srv_admin` flags), set by `disabled` and the runtime API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Admin {
    /// MAINT: forced into maintenance (`disabled`, `disable server`).
    pub maint: bool,
    /// DRAIN: takes no new traffic but persistent traffic (`set server state drain`).
    pub drain: bool,
}

impl Admin {
    /// Packs into a byte for atomic storage.
    pub fn to_u8(self) -> u8 {
        u8::from(self.maint) | (u8::from(self.drain) << 1)
    }

    /// Unpacks from a byte.
    pub fn from_u8(v: u8) -> Admin {
        Admin {
            maint: v & 1 != 0,
            drain: v & 2 != 0,
        }
    }

    /// READY: neither in maintenance nor draining.
    pub fn is_ready(self) -> bool {
        !self.maint && !self.drain
    }
}

/// `srv_currently_usable()`: the balancer may pick this server for new traffic.
pub fn usable(op: OpState, admin: Admin, weight: u32) -> bool {
    weight > 0 && admin.is_ready() && matches!(op, OpState::Running | OpState::Starting)
}

/// Whether a persistence cookie (or stick entry) naming this server may still be honoured:
/// anything but DOWN or MAINT, as HAProxy keeps DRAIN and STOPPING servers for their
/// existing users; `option persist` and `force-persist` extend that to DOWN servers.
pub fn accepts_persistent(op: OpState, admin: Admin, persist: bool) -> bool {
    !admin.maint && (op != OpState::Stopped || persist)
}

/// The inputs of [`dynamic_maxconn`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// `maxconn` (0 = unlimited).
    pub maxconn: u32,
    /// `minconn` (defaults to `maxconn`).
    pub minconn: u32,
    /// The backend's `fullconn`.
    pub fullconn: u32,
    /// Streams currently on the backend (HAProxy's `beconn`).
    pub beconn: u32,
    /// Time since the server came UP, when it is still in its `slowstart` window.
    pub warming: Option<(Duration, Duration)>,
}

/// `srv_dynamic_maxconn()`: the connection limit in force now. With `minconn` below
/// `maxconn` the limit grows from `minconn` to `maxconn` as the backend's load approaches
/// `fullconn`; during `slowstart` it is scaled by the elapsed fraction (at least 1).
/// 0 means unlimited.
pub fn dynamic_maxconn(l: Limits) -> u32 {
    if l.maxconn == 0 {
        return 0;
    }
    let mut max = if l.minconn == l.maxconn || l.beconn >= l.fullconn {
        l.maxconn
    } else {
        let scaled = u64::from(l.beconn) * u64::from(l.maxconn) / u64::from(l.fullconn.max(1));
        l.minconn.max(u32::try_from(scaled).unwrap_or(u32::MAX))
    };
    if let Some((elapsed, slowstart)) = l.warming {
        let ss = slowstart.as_secs();
        if ss > 0 && elapsed.as_secs() < ss {
            let ratio = 100 * elapsed.as_secs() / ss;
            let m = u64::from(max) * ratio / 100;
            max = u32::try_from(m).unwrap_or(u32::MAX).max(1);
        }
    }
    max
}

/// `server_recalc_eweight()` in user-weight units: during `slowstart` the weight grows with
/// the elapsed fraction, never below 1 while the configured weight is positive.
pub fn warming_weight(weight: u32, elapsed: Duration, slowstart: Duration) -> u32 {
    let ss = slowstart.as_millis().max(1);
    let el = elapsed.as_millis();
    if el >= ss || weight == 0 {
        return weight;
    }
    let w = u128::from(weight) * el / ss;
    u32::try_from(w).unwrap_or(weight).clamp(1, weight)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits(maxconn: u32, minconn: u32, fullconn: u32, beconn: u32) -> Limits {
        Limits {
            maxconn,
            minconn,
            fullconn,
            beconn,
            warming: None,
        }
    }

    #[test]
    fn a_static_limit_is_maxconn() {
        assert_eq!(dynamic_maxconn(limits(10, 10, 100, 0)), 10);
        assert_eq!(dynamic_maxconn(limits(0, 0, 100, 50)), 0);
    }

    #[test]
    fn minconn_grows_towards_maxconn_with_the_backend_load() {
        assert_eq!(dynamic_maxconn(limits(100, 10, 1000, 0)), 10);
        assert_eq!(dynamic_maxconn(limits(100, 10, 1000, 500)), 50);
        assert_eq!(dynamic_maxconn(limits(100, 10, 1000, 1000)), 100);
        assert_eq!(dynamic_maxconn(limits(100, 10, 1000, 5000)), 100);
    }

    #[test]
    fn slowstart_scales_the_limit_by_the_elapsed_fraction() {
        let mut l = limits(100, 100, 1000, 0);
        l.warming = Some((Duration::from_secs(5), Duration::from_secs(10)));
        assert_eq!(dynamic_maxconn(l), 50);
        l.warming = Some((Duration::from_secs(0), Duration::from_secs(10)));
        assert_eq!(dynamic_maxconn(l), 1);
        l.warming = Some((Duration::from_secs(10), Duration::from_secs(10)));
        assert_eq!(dynamic_maxconn(l), 100);
    }

    #[test]
    fn usable_needs_weight_ready_and_up() {
        let ready = Admin::default();
        assert!(usable(OpState::Running, ready, 1));
        assert!(usable(OpState::Starting, ready, 1));
        assert!(!usable(OpState::Running, ready, 0));
        assert!(!usable(OpState::Stopping, ready, 1));
        assert!(!usable(OpState::Stopped, ready, 1));
        let maint = Admin {
            maint: true,
            drain: false,
        };
        assert!(!usable(OpState::Running, maint, 1));
        assert_eq!(Admin::from_u8(maint.to_u8()), maint);
    }

    #[test]
    fn persistence_survives_drain_and_stopping_but_not_down_or_maint() {
        let drain = Admin {
            maint: false,
            drain: true,
        };
        assert!(accepts_persistent(OpState::Running, drain, false));
        assert!(accepts_persistent(
            OpState::Stopping,
            Admin::default(),
            false
        ));
        assert!(!accepts_persistent(
            OpState::Stopped,
            Admin::default(),
            false
        ));
        assert!(accepts_persistent(OpState::Stopped, Admin::default(), true));
    }

    #[test]
    fn warming_weight_ramps_up_and_never_drops_to_zero() {
        let ss = Duration::from_secs(10);
        assert_eq!(warming_weight(10, Duration::from_secs(0), ss), 1);
        assert_eq!(warming_weight(10, Duration::from_secs(5), ss), 5);
        assert_eq!(warming_weight(10, Duration::from_secs(10), ss), 10);
        assert_eq!(warming_weight(0, Duration::from_secs(1), ss), 0);
    }
}
