//! `balance first`: HAProxy's `lb_fas.c`. The usable server with the lowest numeric id
//! (`id`, else its auto-assigned one) that still has a free slot under `maxconn` gets the
//! connection; servers without `maxconn` are never full, so they take everything.
//!
//! configuration.txt 4.2 "balance first". The ordered tree is shared with `leastconn`.
//! Must import nothing but `balance`.

use super::leastconn::{LeastConn, Order};
use super::ServerInfo;

/// Builds `balance first` over `servers`, every one up. `all_backups` is `option allbackups`.
pub fn new(servers: &[ServerInfo], all_backups: bool) -> LeastConn {
    LeastConn::with_order(servers, all_backups, Order::Puid)
}

#[cfg(test)]
mod tests {
    use super::super::tests_support::{infos, run_conn, seq};
    use super::super::{Balancer, Key, ServerId};
    use super::*;

    #[test]
    fn sequential_requests_all_go_to_the_first_server() {
        let mut i = infos(&[1, 1, 1], &[]);
        i[0].maxconn = 2;
        i[1].maxconn = 2;
        assert_eq!(run_conn(&mut new(&i, false), 4), seq("1 1 1 1"));
    }

    #[test]
    fn the_lowest_id_wins_and_a_down_server_is_skipped() {
        let mut i = infos(&[1, 1, 1], &[]);
        i[0].puid = 5;
        i[1].puid = 2;
        i[2].puid = 3;
        let mut b = new(&i, false);
        let mut got = run_conn(&mut b, 3);
        b.server_down(ServerId(1));
        got.extend(run_conn(&mut b, 3));
        assert_eq!(got, seq("2 2 2 3 3 3"));
    }

    #[test]
    fn held_connections_fill_servers_in_id_order() {
        let mut i = infos(&[1, 1, 1], &[]);
        i[0].maxconn = 2;
        i[1].maxconn = 1;
        let mut b = new(&i, false);
        let mut got = Vec::new();
        for _ in 0..5 {
            let s = b.pick(&Key::None, None).unwrap();
            b.take_conn(s);
            got.push(s.0 + 1);
        }
        assert_eq!(got, seq("1 1 2 3 3"));
        b.drop_conn(ServerId(1));
        assert_eq!(b.pick(&Key::None, None), Some(ServerId(1)));
    }
}
