//! The reporting clocks of a significant incident (NIS2 Article 23, GDPR Article 33), as
//! pure functions of the times an organisation recorded.
//!
//! - NIS2 early warning: 24 hours after the organisation became aware (Art. 23(4)(a));
//! - NIS2 incident notification: 72 hours after it became aware (Art. 23(4)(b));
//! - NIS2 final report: one month after the incident notification was submitted
//!   (Art. 23(4)(d)); it has no deadline before that;
//! - GDPR notification of a personal data breach: 72 hours after the controller became
//!   aware of the breach (Art. 33(1)), from its own awareness time.
//!
//! Hours are elapsed hours, so a clock that runs over a change to or from summer time
//! still lasts 24 or 72 real hours. A month is a calendar month on the Copenhagen wall
//! clock, clamped to the month's end: notified on 31 January at 10:00, the final report is
//! due on the last day of February at 10:00.

use jiff::ToSpan;
use serde::{Deserialize, Serialize};

/// Hours from awareness to the NIS2 early warning.
pub const EARLY_WARNING_HOURS: i64 = 24;
/// Hours from awareness to the NIS2 incident notification.
pub const NOTIFICATION_HOURS: i64 = 72;
/// Hours from awareness of a personal data breach to the GDPR notification.
pub const GDPR_HOURS: i64 = 72;
/// How long before a deadline its first reminder goes out.
pub const REMINDER_BEFORE_SECS: i64 = 6 * 3600;

/// The reports a significant incident owes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Report {
    EarlyWarning,
    Notification,
    FinalReport,
    Gdpr,
}

impl Report {
    pub const ALL: [Report; 4] = [
        Self::EarlyWarning,
        Self::Notification,
        Self::FinalReport,
        Self::Gdpr,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Self::EarlyWarning => "early_warning",
            Self::Notification => "notification",
            Self::FinalReport => "final_report",
            Self::Gdpr => "gdpr",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// What an organisation recorded about one significant incident (unix seconds).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recorded {
    /// When the organisation became aware of the significant incident.
    pub aware_at: i64,
    /// When it became aware of a personal data breach in it; `None`: no personal data.
    pub personal_data_aware_at: Option<i64>,
    pub early_warning_submitted_at: Option<i64>,
    pub notification_submitted_at: Option<i64>,
    pub final_report_submitted_at: Option<i64>,
    pub gdpr_submitted_at: Option<i64>,
}

impl Recorded {
    pub fn submitted_at(&self, report: Report) -> Option<i64> {
        match report {
            Report::EarlyWarning => self.early_warning_submitted_at,
            Report::Notification => self.notification_submitted_at,
            Report::FinalReport => self.final_report_submitted_at,
            Report::Gdpr => self.gdpr_submitted_at,
        }
    }

    /// When `report` is due; `None` when it is not owed (yet): the final report before the
    /// notification was submitted, the GDPR notification without personal data.
    pub fn due(&self, report: Report) -> Option<i64> {
        match report {
            Report::EarlyWarning => Some(self.aware_at + EARLY_WARNING_HOURS * 3600),
            Report::Notification => Some(self.aware_at + NOTIFICATION_HOURS * 3600),
            Report::FinalReport => self.notification_submitted_at.and_then(one_month_later),
            Report::Gdpr => self.personal_data_aware_at.map(|at| at + GDPR_HOURS * 3600),
        }
    }

    /// Where `report` stands at `now`.
    pub fn state(&self, report: Report, now: i64) -> ClockState {
        if let Some(at) = self.submitted_at(report) {
            let late = self.due(report).is_some_and(|due| at > due);
            return ClockState::Submitted { at, late };
        }
        match self.due(report) {
            None => ClockState::NotOwed,
            Some(due) if now <= due => ClockState::Running { due },
            Some(due) => ClockState::Overdue { due },
        }
    }
}

/// A report's clock at one moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ClockState {
    /// Not owed (yet).
    NotOwed,
    /// Due at `due`, not submitted, not past.
    Running { due: i64 },
    /// Past `due`, not submitted.
    Overdue { due: i64 },
    /// Submitted at `at`; `late` if after its deadline.
    Submitted { at: i64, late: bool },
}

/// The same wall-clock time one calendar month later in Copenhagen, clamped to the end of
/// a shorter month; a time that the clocks skip that night is taken as the hour after.
pub fn one_month_later(unix_secs: i64) -> Option<i64> {
    let tz = jiff::tz::TimeZone::get("Europe/Copenhagen").ok()?;
    let at = jiff::Timestamp::from_second(unix_secs).ok()?.to_zoned(tz);
    let later = at.checked_add(1.month()).ok()?;
    Some(later.timestamp().as_second())
}

/// The reminders of a deadline: 6 hours before it and at it.
pub fn reminders(due: i64) -> [i64; 2] {
    [due - REMINDER_BEFORE_SECS, due]
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Unix seconds of a Copenhagen wall-clock time.
    fn cph(y: i16, m: i8, d: i8, h: i8, min: i8) -> i64 {
        let tz = jiff::tz::TimeZone::get("Europe/Copenhagen").unwrap();
        jiff::civil::datetime(y, m, d, h, min, 0, 0)
            .to_zoned(tz)
            .unwrap()
            .timestamp()
            .as_second()
    }

    fn aware(at: i64) -> Recorded {
        Recorded {
            aware_at: at,
            ..Recorded::default()
        }
    }

    #[test]
    fn the_early_warning_and_notification_are_due_24_and_72_elapsed_hours_after_awareness() {
        let at = cph(2026, 12, 3, 14, 5);
        let r = aware(at);
        assert_eq!(r.due(Report::EarlyWarning), Some(at + 24 * 3600));
        assert_eq!(r.due(Report::Notification), Some(at + 72 * 3600));
        assert_eq!(r.due(Report::FinalReport), None);
        assert_eq!(r.due(Report::Gdpr), None);
    }

    #[test]
    fn hours_are_elapsed_across_the_march_change_so_the_wall_clock_moves_an_hour_on() {
        // Aware Saturday 28 March 2026 at 10:00 (CET); the clocks go forward that night.
        let r = aware(cph(2026, 3, 28, 10, 0));
        assert_eq!(r.due(Report::EarlyWarning), Some(cph(2026, 3, 29, 11, 0)));
        assert_eq!(r.due(Report::Notification), Some(cph(2026, 3, 31, 11, 0)));
    }

    #[test]
    fn hours_are_elapsed_across_the_october_change_so_the_wall_clock_moves_an_hour_back() {
        // Aware Saturday 24 October 2026 at 10:00 (CEST); the clocks go back that night.
        let r = aware(cph(2026, 10, 24, 10, 0));
        assert_eq!(r.due(Report::EarlyWarning), Some(cph(2026, 10, 25, 9, 0)));
        assert_eq!(r.due(Report::Notification), Some(cph(2026, 10, 27, 9, 0)));
    }

    #[test]
    fn the_final_report_is_due_a_calendar_month_after_the_notification_clamped_to_the_month_end() {
        let notified = |at| Recorded {
            notification_submitted_at: Some(at),
            ..aware(at - 3600)
        };
        // 31 January + one month is the end of February (2026 is no leap year; 2028 is).
        assert_eq!(
            notified(cph(2026, 1, 31, 10, 0)).due(Report::FinalReport),
            Some(cph(2026, 2, 28, 10, 0))
        );
        assert_eq!(
            notified(cph(2028, 1, 31, 10, 0)).due(Report::FinalReport),
            Some(cph(2028, 2, 29, 10, 0))
        );
        assert_eq!(
            notified(cph(2026, 8, 31, 23, 30)).due(Report::FinalReport),
            Some(cph(2026, 9, 30, 23, 30))
        );
        // Over a change of the clocks the wall-clock time is kept, not the hours.
        let march = notified(cph(2026, 3, 10, 9, 0)).due(Report::FinalReport);
        assert_eq!(march, Some(cph(2026, 4, 10, 9, 0)));
        assert_eq!(
            march.unwrap() - cph(2026, 3, 10, 9, 0),
            31 * 24 * 3600 - 3600
        );
        let october = notified(cph(2026, 10, 10, 9, 0)).due(Report::FinalReport);
        assert_eq!(
            october.unwrap() - cph(2026, 10, 10, 9, 0),
            31 * 24 * 3600 + 3600
        );
        // Across the turn of the year.
        assert_eq!(
            notified(cph(2026, 12, 31, 16, 0)).due(Report::FinalReport),
            Some(cph(2027, 1, 31, 16, 0))
        );
    }

    #[test]
    fn a_month_later_on_a_skipped_hour_is_the_hour_after() {
        // The clocks go forward on 28 March 2027 at 02:00, so 02:30 does not exist that
        // night: 28 February 02:30 + one month is 03:30 summer time, an hour after 01:30.
        let later = one_month_later(cph(2027, 2, 28, 2, 30)).unwrap();
        assert_eq!(later, cph(2027, 3, 28, 1, 30) + 3600);
        let wall = crate::clock::copenhagen_time(later).unwrap();
        assert_eq!(
            (wall.month(), wall.day(), wall.hour(), wall.minute()),
            (3, 28, 3, 30)
        );
    }

    #[test]
    fn the_gdpr_clock_runs_from_its_own_awareness_time() {
        let r = Recorded {
            personal_data_aware_at: Some(cph(2026, 12, 4, 8, 0)),
            ..aware(cph(2026, 12, 3, 8, 0))
        };
        assert_eq!(r.due(Report::Gdpr), Some(cph(2026, 12, 7, 8, 0)));
    }

    #[test]
    fn a_clock_runs_until_due_then_is_overdue_and_submitted_says_whether_late() {
        let at = cph(2026, 12, 3, 8, 0);
        let due = at + 24 * 3600;
        let mut r = aware(at);
        assert_eq!(
            r.state(Report::EarlyWarning, due),
            ClockState::Running { due }
        );
        assert_eq!(
            r.state(Report::EarlyWarning, due + 1),
            ClockState::Overdue { due }
        );
        assert_eq!(r.state(Report::FinalReport, due), ClockState::NotOwed);
        r.early_warning_submitted_at = Some(due + 60);
        assert_eq!(
            r.state(Report::EarlyWarning, due + 120),
            ClockState::Submitted {
                at: due + 60,
                late: true
            }
        );
        r.early_warning_submitted_at = Some(due - 60);
        assert_eq!(
            r.state(Report::EarlyWarning, due + 120),
            ClockState::Submitted {
                at: due - 60,
                late: false
            }
        );
    }

    #[test]
    fn reminders_go_out_six_hours_before_and_at_the_deadline() {
        assert_eq!(reminders(100_000), [100_000 - 6 * 3600, 100_000]);
    }
}
