//! `seqcast train --from-run ID --from-epoch N`: the branch of a recorded run retraces it
//! through epoch N and records where it came from; a branch of other data is refused.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a panic is a test failure

mod common;
use common::{sample, seqcast, text};

/// The epochs' (train, validation) losses of a JSON report.
fn history(path: &std::path::Path) -> Vec<(f64, f64)> {
    let report: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    (report["history"].as_array().unwrap().iter())
        .map(|e| {
            (
                e["train_loss"].as_f64().unwrap(),
                e["val_loss"].as_f64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn a_branch_retraces_its_parent_and_refuses_other_data() {
    let dir = tempfile::tempdir().unwrap();
    let runs = dir.path().join("runs");
    let csv = sample("airline-passengers.csv");
    let (csv, runs_dir) = (csv.to_str().unwrap(), runs.to_str().unwrap());
    let report = |name: &str| dir.path().join(name);
    let parent_report = report("parent.json");
    let common = ["train", "--csv", csv, "--runs-dir", runs_dir, "--quiet"];
    let out = seqcast(
        &[
            &common[..],
            &["--epochs", "6", "--report", parent_report.to_str().unwrap()],
        ]
        .concat(),
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let stdout = text(&out.stdout);
    let id = stdout
        .lines()
        .find_map(|l| l.strip_prefix("recorded as run "))
        .and_then(|l| l.split_whitespace().next())
        .unwrap()
        .to_string();

    let branch_report = report("branch.json");
    let out = seqcast(
        &[
            &common[..],
            &["--from-run", &id, "--from-epoch", "3", "--lr", "3e-4"],
            &["--report", branch_report.to_str().unwrap()],
        ]
        .concat(),
    );
    assert!(out.status.success(), "stderr: {}", text(&out.stderr));
    let said = text(&out.stderr);
    assert!(
        said.contains(&format!("branch of run {id} after epoch 3"))
            && said.contains("lr 0.001 -> 0.0003"),
        "{said}"
    );
    let (parent, branch) = (history(&parent_report), history(&branch_report));
    assert_eq!(parent[..3], branch[..3], "the shared epochs");
    assert_ne!(parent[3], branch[3]);
    let recorded: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&branch_report).unwrap()).unwrap();
    assert_eq!(recorded["config"]["train"]["branch"]["run"], id.as_str());
    assert_eq!(recorded["config"]["train"]["branch"]["epoch"], 3);
    // The parent kept checkpoints (after epochs 2, 4, 6 and its best): the branch
    // started from the latest one at or before epoch 3 instead of retraining from 1.
    let from = recorded["training"]["resumed_from"].as_u64().unwrap();
    assert!(from == 2 || from == 3, "{from}");
    assert!(
        said.contains(&format!("continues from its checkpoint after epoch {from}")),
        "{said}"
    );

    // Another file, or a setting a branch cannot change, is refused with the reason.
    let other = sample("daily-min-temperatures.csv");
    let out = seqcast(&[
        "train",
        "--csv",
        other.to_str().unwrap(),
        "--runs-dir",
        runs_dir,
        "--from-run",
        &id,
        "--from-epoch",
        "3",
    ]);
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("not the data it trained on"),
        "{}",
        text(&out.stderr)
    );
    let out = seqcast(
        &[
            &common[..],
            &["--from-run", &id, "--from-epoch", "3", "--hidden", "8"],
        ]
        .concat(),
    );
    assert!(!out.status.success());
    assert!(
        text(&out.stderr).contains("not the model settings"),
        "{}",
        text(&out.stderr)
    );
}
