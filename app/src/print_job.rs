//! A job in the print lab's queue: a student's submission or a shop order,
//! and the steps it may take.

use serde::{Deserialize, Serialize};

/// Where a print job stands. Uploaded → (approved) Pending → (the student
/// confirms) ReadyToPrint → Printing → Completed → PaidPickedUp; Uploaded or
/// Pending → Rejected. Shop orders join at ReadyToPrint. A print cancelled
/// or stopped by an error on its printer is PrintFailed: staff reprint it
/// (a linked replacement job, ReadyToPrint) or reject it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum PrintJobStatus {
    Uploaded,
    Pending,
    ReadyToPrint,
    Printing,
    PrintFailed,
    Completed,
    PaidPickedUp,
    Rejected,
}

impl PrintJobStatus {
    pub const ALL: [PrintJobStatus; 8] = [
        PrintJobStatus::Uploaded,
        PrintJobStatus::Pending,
        PrintJobStatus::ReadyToPrint,
        PrintJobStatus::Printing,
        PrintJobStatus::PrintFailed,
        PrintJobStatus::Completed,
        PrintJobStatus::PaidPickedUp,
        PrintJobStatus::Rejected,
    ];

    /// The statuses a job waits or works in: the staff board's columns.
    /// The others (Completed, PaidPickedUp, Rejected) are done with.
    pub const ACTIVE: [PrintJobStatus; 5] = [
        PrintJobStatus::Uploaded,
        PrintJobStatus::Pending,
        PrintJobStatus::ReadyToPrint,
        PrintJobStatus::Printing,
        PrintJobStatus::PrintFailed,
    ];

    /// The name kept in the database, which is also the job's folder in storage.
    pub fn as_str(self) -> &'static str {
        match self {
            PrintJobStatus::Uploaded => "Uploaded",
            PrintJobStatus::Pending => "Pending",
            PrintJobStatus::ReadyToPrint => "ReadyToPrint",
            PrintJobStatus::Printing => "Printing",
            PrintJobStatus::PrintFailed => "PrintFailed",
            PrintJobStatus::Completed => "Completed",
            PrintJobStatus::PaidPickedUp => "PaidPickedUp",
            PrintJobStatus::Rejected => "Rejected",
        }
    }

    pub fn parse(name: &str) -> Option<PrintJobStatus> {
        PrintJobStatus::ALL.into_iter().find(|status| status.as_str() == name)
    }

    /// In the lab's words.
    pub fn label(self) -> &'static str {
        match self {
            PrintJobStatus::Uploaded => "Uploaded",
            PrintJobStatus::Pending => "Waiting for the student",
            PrintJobStatus::ReadyToPrint => "Ready to print",
            PrintJobStatus::Printing => "Printing",
            PrintJobStatus::PrintFailed => "Print failed",
            PrintJobStatus::Completed => "Completed",
            PrintJobStatus::PaidPickedUp => "Paid and picked up",
            PrintJobStatus::Rejected => "Rejected",
        }
    }

    /// Whether a job may move from `self` to `next`; every other move is refused.
    pub fn can_become(self, next: PrintJobStatus) -> bool {
        use PrintJobStatus::*;
        matches!(
            (self, next),
            (Uploaded, Pending)
                | (Pending, ReadyToPrint)
                | (ReadyToPrint, Printing)
                | (Printing, Completed)
                | (Printing, PrintFailed)
                | (Completed, PaidPickedUp)
                | (Uploaded | Pending | PrintFailed, Rejected)
        )
    }
}

/// What staff can do to a job from its page.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum PrintJobAction {
    /// Takes the NEW badge off.
    MarkReviewed,
    /// Prices a student's submission from its weight (model + supports, all
    /// pieces) and print time; the student is asked to confirm.
    Approve {
        weight_g: f64,
        print_hours: f64,
    },
    /// Turns a submission down: `reasons` from [`crate::lab::REJECTION_REASONS`], and a note.
    Reject {
        #[serde(default)]
        reasons: Vec<String>,
        #[serde(default)]
        note: String,
    },
    /// Printing on a printer staff run by hand (`printer`: its name, optional).
    StartPrinting {
        #[serde(default)]
        printer: String,
    },
    /// Uploads the job's G-code to a printer's server (OctoPrint or Moonraker) and starts it there;
    /// the printer's readings then move the job on by themselves.
    SendToPrinter {
        printer_id: String,
        /// The printer's name, as the job keeps it (filled in by the
        /// printers' side, which knows the printer; a request need not send it).
        #[serde(default)]
        printer_name: String,
    },
    Complete,
    /// The print stopped on its printer (cancelled, or an error): `reason`
    /// in the printer's words. Taken by the server, from what the printer reports.
    Fail {
        reason: String,
    },
    /// Why a failed print failed, picked by staff (a key of
    /// [`crate::lab::FAILURE_CAUSES`]) with an optional note; the job stays
    /// as it is, the log and the overview's failure counts gain it.
    FailureCause {
        cause: String,
        #[serde(default)]
        note: String,
    },
    /// Moves a waiting job to the front of the queue.
    MoveUp,
    /// A failed print is printed again: a new job, linked to this one,
    /// joins the queue; `note` says what changes this time.
    Reprint {
        #[serde(default)]
        note: String,
    },
    /// Handed over; `payment` says how it was paid (cash, card at the counter, paid online).
    PickedUp {
        payment: String,
    },
}

impl PrintJobAction {
    /// The event's kind in the job's log.
    pub fn kind(&self) -> &'static str {
        match self {
            PrintJobAction::MarkReviewed => "reviewed",
            PrintJobAction::Approve { .. } => "approved",
            PrintJobAction::Reject { .. } => "rejected",
            PrintJobAction::StartPrinting { .. } | PrintJobAction::SendToPrinter { .. } => "printing",
            PrintJobAction::Complete => "completed",
            PrintJobAction::Fail { .. } => "print_failed",
            PrintJobAction::Reprint { .. } => "reprint",
            PrintJobAction::FailureCause { .. } => "failure_cause",
            PrintJobAction::MoveUp => "moved_up",
            PrintJobAction::PickedUp { .. } => "picked_up",
        }
    }

    /// "A job that is Uploaded cannot be …".
    pub fn past_tense(&self) -> &'static str {
        match self {
            PrintJobAction::MarkReviewed => "marked reviewed",
            PrintJobAction::Approve { .. } => "approved",
            PrintJobAction::Reject { .. } => "rejected",
            PrintJobAction::StartPrinting { .. } => "started printing",
            PrintJobAction::SendToPrinter { .. } => "sent to a printer",
            PrintJobAction::Complete => "completed",
            PrintJobAction::Fail { .. } => "marked failed",
            PrintJobAction::Reprint { .. } => "reprinted",
            PrintJobAction::FailureCause { .. } => "given a cause of failure",
            PrintJobAction::MoveUp => "moved up the queue",
            PrintJobAction::PickedUp { .. } => "picked up",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::PrintJobStatus::{self, *};

    #[test]
    fn every_legal_step_and_no_other() {
        let legal = [
            (Uploaded, Pending),
            (Pending, ReadyToPrint),
            (ReadyToPrint, Printing),
            (Printing, Completed),
            (Printing, PrintFailed),
            (Completed, PaidPickedUp),
            (Uploaded, Rejected),
            (Pending, Rejected),
            (PrintFailed, Rejected),
        ];
        for from in PrintJobStatus::ALL {
            for to in PrintJobStatus::ALL {
                assert_eq!(from.can_become(to), legal.contains(&(from, to)), "{from:?} → {to:?}");
            }
        }
    }

    #[test]
    fn names_round_trip_and_are_folder_names() {
        for status in PrintJobStatus::ALL {
            assert_eq!(PrintJobStatus::parse(status.as_str()), Some(status));
            assert!(status.as_str().chars().all(|c| c.is_ascii_alphabetic()));
        }
        assert_eq!(PrintJobStatus::parse("ready"), None);
    }
}
