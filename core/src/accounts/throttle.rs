//! Sign-in throttling with growing delays, per account e-mail and per client address.
//! There is no hard lock-out: after the free attempts each failure doubles the wait,
//! capped, so an attacker can slow an account down but never shut its owner out.

use crate::clock;
use crate::db::Db;
use crate::error::CoreResult;

/// Failures allowed before any delay.
const FREE_ATTEMPTS: i64 = 5;
/// Longest wait imposed on one account, whoever causes it.
const MAX_ACCOUNT_DELAY_SECS: i64 = 60;
/// Longest wait imposed on one client address.
const MAX_ADDRESS_DELAY_SECS: i64 = 900;

fn delay_after(failures: i64, cap: i64) -> i64 {
    if failures < FREE_ATTEMPTS {
        0
    } else {
        let exponent = (failures - FREE_ATTEMPTS).min(20) as u32;
        (1_i64 << exponent).min(cap)
    }
}

fn account_key(email: &str) -> String {
    format!("account:{email}")
}

fn address_key(address: &str) -> String {
    format!("address:{address}")
}

async fn wait_for(db: &Db, key: &str, cap: i64, now: i64) -> CoreResult<i64> {
    let row: Option<(i64, i64)> =
        sqlx::query_as("select failures, last_failure_at from sign_in_throttle where key = $1")
            .bind(key)
            .fetch_optional(db)
            .await?;
    Ok(row
        .map(|(failures, last)| (last + delay_after(failures, cap) - now).max(0))
        .unwrap_or(0))
}

/// Seconds the caller must still wait before this attempt may be checked; 0 means go.
pub async fn seconds_to_wait(db: &Db, email: &str, address: &str) -> CoreResult<i64> {
    let now = clock::now();
    let account = wait_for(db, &account_key(email), MAX_ACCOUNT_DELAY_SECS, now).await?;
    let address = wait_for(db, &address_key(address), MAX_ADDRESS_DELAY_SECS, now).await?;
    Ok(account.max(address))
}

/// Counts one failed attempt against both the account and the address.
pub async fn record_failure(db: &Db, email: &str, address: &str) -> CoreResult<()> {
    let now = clock::now();
    for key in [account_key(email), address_key(address)] {
        sqlx::query(
            "insert into sign_in_throttle (key, failures, last_failure_at) values ($1, 1, $2) \
             on conflict (key) do update set failures = sign_in_throttle.failures + 1, \
             last_failure_at = excluded.last_failure_at",
        )
        .bind(key)
        .bind(now)
        .execute(db)
        .await?;
    }
    Ok(())
}

/// A successful sign-in clears the account's and the address's counters.
pub async fn record_success(db: &Db, email: &str, address: &str) -> CoreResult<()> {
    sqlx::query("delete from sign_in_throttle where key in ($1, $2)")
        .bind(account_key(email))
        .bind(address_key(address))
        .execute(db)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_start_after_the_free_attempts_and_double_up_to_the_cap() {
        assert_eq!(delay_after(4, 60), 0);
        assert_eq!(delay_after(5, 60), 1);
        assert_eq!(delay_after(6, 60), 2);
        assert_eq!(delay_after(10, 60), 32);
        assert_eq!(delay_after(11, 60), 60);
        assert_eq!(delay_after(1000, 60), 60);
        assert_eq!(delay_after(1000, 900), 900);
    }
}
