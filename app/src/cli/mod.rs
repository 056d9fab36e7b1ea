//! The headless command line.

mod apply;
mod args;
mod backtest;
mod bench;
mod bench_load;
mod branch;
mod doctor;
mod eval;
mod eval_air;
mod eval_m4;
mod eval_suite;
mod help_defaults;
mod predict;
mod progress;
mod quantiles;
mod table;
mod train;
mod train_panel;
mod tune;

use anyhow::Result;
use clap::{CommandFactory, FromArgMatches};

pub use args::{Cli, Sub, TrainArgs, TuneArgs};
pub use progress::clock;

/// The bundled sample series used when no file is given, compiled into the binary so
/// that it works wherever the binary is.
pub const SAMPLE_NAME: &str = "airline-passengers.csv";
/// The sample's bytes.
pub const SAMPLE_CSV: &[u8] = include_bytes!("../../../sample-data/airline-passengers.csv");

/// The clap command with each option's default (from `RunConfig::default()`) in its help.
pub fn command() -> clap::Command {
    let mut cmd = Cli::command();
    for name in ["train", "overfit-batch", "lr-find", "tune", "eval"] {
        cmd = cmd.mut_subcommand(name, |mut sub| {
            for (id, value) in help_defaults::defaults() {
                sub = sub.mut_arg(id, |arg| {
                    let help = arg.get_help().map(|h| h.to_string()).unwrap_or_default();
                    arg.help(format!("{help} [default: {value}]"))
                });
            }
            sub
        });
    }
    cmd
}

/// Parses the process arguments (clap prints help or usage errors and exits).
pub fn parse() -> Result<Cli> {
    Ok(Cli::from_arg_matches(&command().get_matches())?)
}

/// Runs a headless subcommand.
pub fn run(command: Sub) -> Result<()> {
    match command {
        Sub::Train(args) => train::run(&args),
        Sub::Predict(args) => predict::run(&args),
        Sub::OverfitBatch(args) => doctor::overfit(&args),
        Sub::LrFind(args) => doctor::lr_find(&args),
        Sub::Tune(args) => tune::run(&args),
        Sub::Bench(args) => bench::run(&args),
        Sub::Eval(args) => eval::run(&args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn help_shows_the_engine_defaults() {
        let help = command()
            .find_subcommand_mut("train")
            .map(|c| c.render_long_help().to_string())
            .unwrap();
        assert!(
            help.contains("Hidden units per layer [default: 64]"),
            "{help}"
        );
        assert!(help.contains("[default: norm=1]"), "{help}");
        assert!(help.contains("--split-rows"), "{help}");
    }

    #[test]
    fn options_override_the_config() {
        let m = command().get_matches_from([
            "seqcast",
            "train",
            "--cell",
            "gru",
            "--hidden",
            "8",
            "--split-rows",
            "10,5,5",
            "--clip",
            "value=0.5",
            "--schedule",
            "step=10,0.5",
            "--loss",
            "huber=0.2",
            "--target",
            "a,b",
        ]);
        let cli = Cli::from_arg_matches(&m).unwrap();
        let Some(Sub::Train(args)) = cli.command else {
            panic!("not train")
        };
        let mut config = seqcast_engine::RunConfig::default();
        args.apply(&mut config).unwrap();
        use seqcast_engine::config::*;
        assert_eq!(config.model.cell, CellKind::Gru);
        assert_eq!(config.model.hidden, 8);
        assert_eq!(
            config.data.split,
            Split::Rows {
                train: 10,
                val: 5,
                test: 5
            }
        );
        assert_eq!(config.train.clip, ClipKind::Value { max: 0.5 });
        assert_eq!(
            config.train.schedule,
            ScheduleKind::Step {
                every: 10,
                gamma: 0.5
            }
        );
        assert_eq!(config.train.loss, LossKind::Huber { delta: 0.2 });
        assert_eq!(config.data.targets, vec!["a", "b"]);
    }

    #[test]
    fn the_per_series_split_holds_out_the_last_rows() {
        let config = |split: &str| {
            let m = command().get_matches_from(["seqcast", "train", "--split", split]);
            let Some(Sub::Train(args)) = Cli::from_arg_matches(&m).unwrap().command else {
                panic!("not train")
            };
            let mut config = seqcast_engine::RunConfig::default();
            args.apply(&mut config).map(|()| config.data.split)
        };
        use seqcast_engine::config::Split;
        assert_eq!(
            config("per-series-last=48").unwrap(),
            Split::Last { val: 48, test: 48 }
        );
        assert_eq!(
            config("last=24,48").unwrap(),
            Split::Last { val: 24, test: 48 }
        );
        let e = config("first=3").unwrap_err().to_string();
        assert_eq!(
            e,
            "--split 'first=3': expected per-series-last=H or last=VAL,TEST"
        );
    }

    #[test]
    fn cyclic_and_one_cycle_schedules_parse_with_their_modes() {
        let schedule = |text: &str| {
            let m = command().get_matches_from(["seqcast", "train", "--schedule", text]);
            let Some(Sub::Train(args)) = Cli::from_arg_matches(&m).unwrap().command else {
                panic!("not train")
            };
            let mut config = seqcast_engine::RunConfig::default();
            args.apply(&mut config).map(|()| config.train.schedule)
        };
        use seqcast_engine::config::{CyclicMode, ScheduleKind};
        let cyclic = |mode| ScheduleKind::Cyclic {
            low: 1e-4,
            high: 1e-2,
            step: 4.0,
            mode,
        };
        assert_eq!(
            schedule("cyclic=1e-4,1e-2,4").unwrap(),
            cyclic(CyclicMode::Triangular)
        );
        assert_eq!(
            schedule("cyclic=1e-4,1e-2,4,triangular2").unwrap(),
            cyclic(CyclicMode::Triangular2)
        );
        assert_eq!(
            schedule("cyclic=1e-4,1e-2,4,exp_range=0.99").unwrap(),
            cyclic(CyclicMode::ExpRange { gamma: 0.99 })
        );
        assert_eq!(
            schedule("onecycle=0.01").unwrap(),
            ScheduleKind::OneCycle { max_lr: 0.01 }
        );
        let e = schedule("cyclic=1e-4,1e-2,4,sawtooth")
            .unwrap_err()
            .to_string();
        assert!(e.contains("'sawtooth' is not a cycle mode"), "{e}");
        assert!(schedule("cyclic=1e-4,1e-2").is_err());
    }

    #[test]
    fn lstm_peephole_is_an_lstm_with_peepholes() {
        let model = |cell: &str| {
            let m = command().get_matches_from(["seqcast", "train", "--cell", cell]);
            let Some(Sub::Train(args)) = Cli::from_arg_matches(&m).unwrap().command else {
                panic!("not train")
            };
            let mut config = seqcast_engine::RunConfig::default();
            args.apply(&mut config).map(|()| config.model)
        };
        let m = model("lstm-peephole").unwrap();
        assert_eq!(m.cell, seqcast_engine::config::CellKind::Lstm);
        assert!(m.peephole);
        assert!(!model("lstm").unwrap().peephole);
        assert!(!model("gru").unwrap().peephole);
    }

    #[test]
    fn tbptt_reads_k1_k2_and_off() {
        let model = |value: &str| {
            let m = command().get_matches_from(["seqcast", "train", "--tbptt", value]);
            let Some(Sub::Train(args)) = Cli::from_arg_matches(&m).unwrap().command else {
                panic!("not train")
            };
            let mut config = seqcast_engine::RunConfig::default();
            args.apply(&mut config).map(|()| config.model.tbptt)
        };
        let t = model("100, 200").unwrap().unwrap();
        assert_eq!((t.k1, t.k2), (100, 200));
        assert_eq!(model("off").unwrap(), None);
        let err = model("100").unwrap_err().to_string();
        assert!(err.contains("--tbptt '100': expected K1,K2"), "{err}");
        assert!(model("a,b").is_err());
    }

    #[test]
    fn bad_values_name_the_flag_and_the_choices() {
        let m = command().get_matches_from(["seqcast", "train", "--cell", "transformer"]);
        let Some(Sub::Train(args)) = Cli::from_arg_matches(&m).unwrap().command else {
            panic!()
        };
        let err = args
            .apply(&mut seqcast_engine::RunConfig::default())
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "--cell 'transformer': expected one of lstm, lstm-peephole, gru, rnn"
        );
    }
}
