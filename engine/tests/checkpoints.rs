//! Checkpoints (issue 26): a run keeps its whole training state after chosen epochs
//! (the best and at most `train.checkpoints` more), and a branch continues from the
//! latest one at or before its branch point. Continuing must be exact: the branch
//! resumed from a checkpoint trains bit for bit as the same branch retrained from the
//! start, and an unedited one as its parent did. A damaged or foreign checkpoint is not
//! used, and the run says so.

#![allow(clippy::unwrap_used, clippy::expect_used)] // test helpers may panic: a panic is a test failure

mod common;

use common::{sample, tiny};
use seqcast_engine::RunConfig;
use seqcast_engine::config::{
    CellKind, ClipKind, Knob, OptimizerKind, ScheduleKind, Strategy, TeacherForcing,
};
use seqcast_engine::data::table::{CsvTable, read_csv};
use seqcast_engine::pipeline::{self, Resume, RunOutput, RunSummary};
use seqcast_engine::runs::branch::plan;
use seqcast_engine::runs::{RunOrigin, RunStore};
use seqcast_engine::train::{Control, Progress, TrainState};

/// Every number an epoch record holds that training computes (not its wall time).
fn history(s: &RunSummary) -> Vec<[u64; 6]> {
    (s.training.history.iter())
        .map(|e| {
            [
                e.epoch as u64,
                e.train_loss.to_bits(),
                e.val_loss.unwrap_or(f64::NAN).to_bits(),
                e.lr.to_bits(),
                e.grad_norm.to_bits(),
                e.grad_norm_max.to_bits(),
            ]
        })
        .collect()
}

/// A parent run of `config` whose lr is changed live after epoch 1.
fn parent(table: &CsvTable, config: &RunConfig) -> RunOutput {
    let control = Control::new();
    let out = pipeline::run(table, config, &control, &mut |p| {
        if let Progress::Epoch(e) = p
            && e.epoch == 1
        {
            control.request(Knob::Lr, config.train.lr * 0.5);
        }
    })
    .unwrap();
    assert_eq!(out.summary.config.train.changes.len(), 1);
    out
}

/// The parent's latest checkpoint at or before `epoch`, decoded, as a branch gets it.
fn resume(parent: &RunOutput, epoch: usize) -> Resume {
    let c = (parent.checkpoints.iter().rev())
        .find(|c| c.epoch <= epoch)
        .expect("a checkpoint at or before the branch point");
    Resume {
        epoch: c.epoch,
        state: Ok(TrainState::decode(&c.bytes).unwrap()),
        history: parent.summary.training.history.clone(),
    }
}

fn branch(table: &CsvTable, config: &RunConfig, resume: Option<Resume>) -> RunOutput {
    pipeline::run_from(table, config, resume, &Control::new(), &mut |_| {}).unwrap()
}

/// Branches `parent` after `epoch` with `edit`, resumed from its checkpoint and
/// retrained from the start: the two must be the same run.
fn resumed_equals_retrained(
    table: &CsvTable,
    parent: &RunOutput,
    epoch: usize,
    edit: impl Fn(&mut RunConfig),
) -> RunOutput {
    let mut edited = parent.summary.config.clone();
    edit(&mut edited);
    let config = plan("p", &parent.summary, epoch, &edited).unwrap();
    let resume = resume(parent, epoch);
    let from = resume.epoch;
    let resumed = branch(table, &config, Some(resume));
    let retrained = branch(table, &config, None);
    assert_eq!(resumed.summary.training.resumed_from, Some(from));
    assert_eq!(retrained.summary.training.resumed_from, None);
    assert_eq!(history(&resumed.summary), history(&retrained.summary));
    assert_eq!(
        resumed.summary.training.best_epoch,
        retrained.summary.training.best_epoch
    );
    assert_eq!(resumed.summary.test, retrained.summary.test);
    assert_eq!(
        resumed.summary.config.train.changes,
        retrained.summary.config.train.changes
    );
    // The epochs it did not train are its parent's, with their validation checks.
    let (r, p) = (
        &resumed.summary.training.history,
        &parent.summary.training.history,
    );
    assert_eq!(
        history(&resumed.summary)[..from],
        history(&parent.summary)[..from]
    );
    assert_eq!(
        r[..from].iter().map(|e| e.check).collect::<Vec<_>>(),
        p[..from].iter().map(|e| e.check).collect::<Vec<_>>()
    );
    resumed
}

#[test]
fn a_branch_resumed_from_a_checkpoint_trains_as_the_same_branch_retrained_from_the_start() {
    let table = read_csv(&sample("daily-min-temperatures.csv")).unwrap();
    // Dropout (its random stream), a plateau schedule (its state), weight averaging
    // (the default), a live lr change before the checkpoint.
    let mut config = tiny(CellKind::Lstm, 6);
    config.model.layers = 2;
    config.model.dropout = 0.1;
    // A high lr: validation does not improve every epoch, so early stopping's count
    // is part of the state.
    config.train.lr = 5e-2;
    config.train.weight_average = 0.0;
    config.train.schedule = ScheduleKind::Plateau {
        factor: 0.5,
        patience: 0,
        min_lr: 1e-5,
    };
    let parent = parent(&table, &config);
    // 6 epochs, 3 kept: after epochs 2, 4 and 6 (the spacing doubled once), and the best.
    let epochs: Vec<usize> = parent.checkpoints.iter().map(|c| c.epoch).collect();
    let best = parent.summary.training.best_epoch.unwrap();
    let val: Vec<f64> = (parent.summary.training.history.iter())
        .map(|e| e.val_loss.unwrap())
        .collect();
    assert!(val[5] > val[4], "epoch 6 is not the best: {val:?}");
    let mut expected = vec![2, 4, 6];
    if !expected.contains(&best) {
        expected.push(best);
        expected.sort_unstable();
    }
    assert_eq!(epochs, expected);

    // Unedited: from the checkpoint after epoch 4, epochs 5 and 6 as the parent's.
    let same = plan("p", &parent.summary, 4, &parent.summary.config).unwrap();
    let unedited = branch(&table, &same, Some(resume(&parent, 4)));
    assert_eq!(unedited.summary.training.resumed_from, Some(4));
    assert_eq!(history(&unedited.summary), history(&parent.summary));
    assert_eq!(unedited.summary.test, parent.summary.test);

    // Edited after epoch 5 (resumed from 4, epoch 5 retrained, then the edits): lr,
    // weight decay (the optimiser is rebuilt with its moments), dropout, more epochs.
    let resumed = resumed_equals_retrained(&table, &parent, 5, |c| {
        c.train.lr = 4e-3;
        c.train.weight_decay = 1e-4;
        c.model.dropout = 0.2;
        c.train.epochs = 8;
    });
    // After epoch 6 (not the best: early stopping's count is 1), with patience 2 and an
    // lr too high.
    let stopped = resumed_equals_retrained(&table, &parent, 6, |c| {
        c.train.epochs = 10;
        c.train.patience = 2;
        c.train.lr = 0.2;
    });
    // Epoch 7 is worse again: the count the checkpoint held (1) reaches 2 and stops it.
    assert_eq!(
        stopped.summary.training.stop,
        seqcast_engine::train::StopReason::EarlyStopped { epoch: 7 }
    );
    assert_ne!(
        history(&resumed.summary)[5],
        history(&parent.summary)[5],
        "the edits change epoch 6"
    );
}

#[test]
fn a_seq2seq_branch_resumes_its_teacher_forcing_stream_and_sgd_momentum_exactly() {
    let table = read_csv(&sample("daily-min-temperatures.csv")).unwrap();
    let mut config = tiny(CellKind::Gru, 5);
    config.model.strategy = Strategy::Seq2seq;
    config.train.teacher_forcing = TeacherForcing {
        start: 0.5,
        ..TeacherForcing::default()
    };
    config.train.optimizer = OptimizerKind::Sgd;
    config.train.momentum = 0.9;
    config.train.nesterov = true;
    config.train.lr = 2e-2;
    config.train.clip = ClipKind::Value { max: 0.5 };
    // Weight averaging is on (the default): the average's sums are part of the state.
    let parent = parent(&table, &config);
    resumed_equals_retrained(&table, &parent, 3, |c| {
        c.train.teacher_forcing.start = 0.2;
        c.train.clip = ClipKind::Value { max: 0.1 };
    });
}

#[test]
fn checkpoints_are_bounded_listed_with_the_run_and_a_damaged_or_foreign_one_is_not_used() {
    let table = read_csv(&sample("daily-min-temperatures.csv")).unwrap();
    let mut config = tiny(CellKind::Gru, 12);
    config.train.lr = 2e-3;
    let parent = parent(&table, &config);
    let best = parent.summary.training.best_epoch.unwrap();
    let periodic: Vec<usize> = (parent.checkpoints.iter())
        .map(|c| c.epoch)
        .filter(|&e| e != best || [4, 8, 12].contains(&e))
        .collect();
    // Spacing 1, 2, then 4: after epochs 4, 8 and 12, and the best.
    assert_eq!(periodic, [4, 8, 12]);
    assert!(parent.checkpoints.len() <= 4);
    assert!(parent.checkpoints.iter().any(|c| c.epoch == best));

    let dir = tempfile::tempdir().unwrap();
    let store = RunStore::open(dir.path()).unwrap();
    let meta = store
        .save(
            &parent.summary,
            (&parent.model, &parent.checkpoints),
            RunOrigin::Cli,
        )
        .unwrap();
    let listed = &store.list().unwrap().0[0];
    let epochs: Vec<usize> = parent.checkpoints.iter().map(|c| c.epoch).collect();
    assert_eq!(listed.checkpoints, epochs);
    let ckpt_bytes: usize = parent.checkpoints.iter().map(|c| c.bytes.len()).sum();
    assert!(
        listed.bytes > ckpt_bytes as u64,
        "the run's size counts them"
    );
    let cap = seqcast_engine::train::max_checkpoint_bytes(
        parent.summary.training.parameters,
        parent.summary.data.windows[0],
    );
    let (at, state) = store.checkpoint_before(&meta.id, 7, cap).unwrap().unwrap();
    assert_eq!(at, if (5..=7).contains(&best) { best } else { 4 });
    assert_eq!(state.unwrap().epoch(), at);
    assert!(store.checkpoint_before(&meta.id, 0, cap).unwrap().is_none());

    // One byte changed on disk: refused by its checksum; the branch trains from the
    // start, says so, and still continues as its parent did.
    let path = dir
        .path()
        .join(&meta.id)
        .join(format!("checkpoints/epoch-{at}.ckpt"));
    let mut bytes = std::fs::read(&path).unwrap();
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    std::fs::write(&path, &bytes).unwrap();
    let (_, damaged) = store.checkpoint_before(&meta.id, 7, cap).unwrap().unwrap();
    // Larger than a checkpoint of this model can be: refused before it is read.
    let (_, big) = store.checkpoint_before(&meta.id, 7, 1000).unwrap().unwrap();
    let why_big = big.unwrap_err();
    assert!(why_big.contains("larger than"), "{why_big}");
    let why = damaged.as_ref().unwrap_err();
    assert!(why.contains("checksum"), "{why}");
    let same = plan(&meta.id, &parent.summary, 7, &parent.summary.config).unwrap();
    let resume = Resume {
        epoch: at,
        state: damaged,
        history: parent.summary.training.history.clone(),
    };
    let out = branch(&table, &same, Some(resume));
    assert_eq!(out.summary.training.resumed_from, None);
    assert!(
        (out.summary.data.load.notes.iter())
            .any(|n| n.contains(&format!("checkpoint at epoch {at} was not used"))),
        "{:?}",
        out.summary.data.load.notes
    );
    assert_eq!(history(&out.summary), history(&parent.summary));
    // Cut short: refused before anything in it is read.
    let cut = TrainState::decode(&bytes[..bytes.len() - 100]).unwrap_err();
    assert!(cut.to_string().contains("damaged"), "{cut}");

    // A checkpoint of another run (another seed) is not this branch's past.
    let mut other = config.clone();
    other.train.seed = 7;
    let foreign = pipeline::run(&table, &other, &Control::new(), &mut |_| {}).unwrap();
    let resume = Resume {
        epoch: 4,
        state: Ok(TrainState::decode(&foreign.checkpoints[0].bytes).unwrap()),
        history: Vec::new(),
    };
    let out = branch(&table, &same, Some(resume));
    assert_eq!(out.summary.training.resumed_from, None);
    assert!(
        (out.summary.data.load.notes.iter()).any(|n| n.contains("other data or settings")),
        "{:?}",
        out.summary.data.load.notes
    );
    assert_eq!(history(&out.summary), history(&parent.summary));

    // A run that keeps none writes none.
    let mut none = config.clone();
    none.train.checkpoints = 0;
    none.train.epochs = 3;
    let out = pipeline::run(&table, &none, &Control::new(), &mut |_| {}).unwrap();
    assert!(out.checkpoints.is_empty());
}

/// `bytes` with its JSON header edited by `edit` and the checksum made to match: what a
/// crafted file looks like.
fn crafted(bytes: &[u8], edit: impl Fn(&mut serde_json::Value)) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    let prefix = b"seqcast-checkpoint\n".len() + 4;
    let len = u64::from_le_bytes(bytes[prefix..prefix + 8].try_into().unwrap()) as usize;
    let start = prefix + 8;
    let mut header: serde_json::Value = serde_json::from_slice(&bytes[start..start + len]).unwrap();
    edit(&mut header);
    let header = serde_json::to_vec(&header).unwrap();
    let mut out = bytes[..prefix].to_vec();
    out.extend((header.len() as u64).to_le_bytes());
    out.extend(header);
    out.extend(&bytes[start + len..bytes.len() - 32]);
    let sum = Sha256::digest(&out);
    out.extend_from_slice(&sum);
    out
}

#[test]
fn a_crafted_checkpoint_that_passes_its_checksum_is_refused_by_what_it_says() {
    let table = read_csv(&sample("daily-min-temperatures.csv")).unwrap();
    let parent = parent(&table, &tiny(CellKind::Gru, 3));
    let last = parent.checkpoints.last().unwrap();
    let same = plan("p", &parent.summary, 2, &parent.summary.config).unwrap();
    let mut branch_config = same.clone();
    branch_config.train.epochs = 4;
    // Unedited, the crafting itself changes nothing: the state resumes.
    let resumes = |bytes: Vec<u8>| {
        let resume = Resume {
            epoch: last.epoch,
            state: TrainState::decode(&bytes).map_err(|e| e.to_string()),
            history: parent.summary.training.history.clone(),
        };
        let out = branch(&table, &branch_config, Some(resume));
        (
            out.summary.training.resumed_from,
            out.summary.data.load.notes,
        )
    };
    assert_eq!(resumes(crafted(&last.bytes, |_| {})).0, Some(3));
    // The fuzzer's find: a training time too large for a Duration panicked; it now
    // counts as none and the run resumes. The other numbers are refused with the reason.
    let cases: [(&str, serde_json::Value, &str); 5] = [
        ("train_secs", serde_json::json!(1e300), ""),
        (
            "step",
            serde_json::json!(5),
            "its step is not its epochs' batches",
        ),
        (
            "dropout",
            serde_json::json!(1.5),
            "its dropout is not in [0, 1)",
        ),
        (
            "since_best",
            serde_json::json!(99),
            "without improvement is too long",
        ),
        ("epoch", serde_json::json!(0), "it ends no epoch"),
    ];
    for (key, value, why) in cases {
        let bytes = crafted(&last.bytes, |h| h[key] = value.clone());
        let (resumed, notes) = resumes(bytes);
        if why.is_empty() {
            assert_eq!(resumed, Some(3), "{key}: {notes:?}");
        } else {
            assert_eq!(resumed, None, "{key}");
            assert!(notes.iter().any(|n| n.contains(why)), "{key}: {notes:?}");
        }
    }
}

#[test]
fn a_run_that_completes_its_epochs_keeps_the_last_and_trains_on_longer_from_it() {
    let table = read_csv(&sample("daily-min-temperatures.csv")).unwrap();
    // A high lr without averaging: the last epoch is not the best, so only the rule for
    // the last keeps it.
    let mut config = tiny(CellKind::Gru, 10);
    config.train.lr = 0.2;
    config.train.weight_average = 0.0;
    let parent = parent(&table, &config);
    let val: Vec<f64> = parent
        .summary
        .training
        .history
        .iter()
        .map(|e| e.val_loss.unwrap())
        .collect();
    assert_ne!(parent.summary.training.best_epoch, Some(10), "{val:?}");
    let epochs: Vec<usize> = parent.checkpoints.iter().map(|c| c.epoch).collect();
    // The spacing doubled at epoch 8 (4, 8); the last epoch is kept besides them.
    assert!(epochs.ends_with(&[10]), "{epochs:?}");
    assert!(epochs.contains(&4) && epochs.contains(&8), "{epochs:?}");
    assert!(epochs.len() <= 4, "{epochs:?}");
    // "Train on for 3 more epochs": nothing is retrained.
    let longer = resumed_equals_retrained(&table, &parent, 10, |c| c.train.epochs = 13);
    assert_eq!(longer.summary.training.resumed_from, Some(10));
    assert_eq!(longer.summary.training.history.len(), 13);
}
