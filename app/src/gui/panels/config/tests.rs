//! kittest checks of the configuration panel.
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};

use super::*;
use seqcast_engine::config::{CyclicMode, ScheduleKind};

type State = (RunConfig, bool);

/// The groups, and whether each starts open.
const GROUPS: [(&str, bool); 8] = [
    ("Data & windows", true),
    ("Scaling & transforms", false),
    ("Model", true),
    ("Optimiser", false),
    ("Schedule", false),
    ("Regularisation", false),
    ("Stopping", false),
    ("Evaluation", false),
];

/// The panel over `config`; the flag records whether `config_ui` ever reported a change.
fn harness(config: RunConfig) -> Harness<'static, State> {
    let mut harness = Harness::builder()
        .with_size([700.0, 3000.0])
        .build_ui_state(
            |ui, (config, changed): &mut State| {
                *changed |= config_ui(ui, config);
            },
            (config, false),
        );
    harness.run();
    harness
}

fn open_all_groups(harness: &mut Harness<'_, State>) {
    for (title, open) in GROUPS {
        if !open {
            harness.get_by_label(title).click();
            harness.run();
        }
    }
}

/// Clicks a drag value (entering text mode), types `text` and presses Enter.
fn type_into(harness: &mut Harness<'_, State>, label: &str, text: &str) {
    harness.get_by_label(label).click();
    harness.run();
    harness.get_by_label(label).type_text(text);
    harness.run();
    harness.key_press(egui::Key::Enter);
    harness.run();
}

/// Opens a combo box by its label and picks an option.
fn pick(harness: &mut Harness<'_, State>, combo: &str, option: &str) {
    harness.get_by_role_and_label(Role::ComboBox, combo).click();
    harness.run();
    harness.get_by_label(option).click();
    harness.run();
}

#[test]
fn untouched_panel_leaves_the_default_config_alone() {
    let mut harness = harness(RunConfig::default());
    open_all_groups(&mut harness);
    assert_eq!(harness.state(), &(RunConfig::default(), false));
}

#[test]
fn choosing_gru_sets_the_cell_and_disables_forget_bias() {
    let mut harness = harness(RunConfig::default());
    let bias_disabled = |h: &Harness<'_, State>| {
        h.get_by_label("Forget-gate bias")
            .accesskit_node()
            .is_disabled()
    };
    assert!(!bias_disabled(&harness));
    pick(&mut harness, "Cell", "GRU");
    let (config, changed) = harness.state();
    assert_eq!(config.model.cell, CellKind::Gru);
    assert!(changed);
    assert!(bias_disabled(&harness));
}

#[test]
fn typing_a_lookback_sets_it() {
    let mut harness = harness(RunConfig::default());
    type_into(&mut harness, "Lookback", "96");
    let (config, changed) = harness.state();
    assert_eq!(config.window.lookback, 96);
    assert!(changed);
}

#[test]
fn typed_values_are_clamped_to_what_validation_accepts() {
    let mut harness = harness(RunConfig::default());
    type_into(&mut harness, "Layers", "9");
    type_into(&mut harness, "Lookback", "0");
    let config = &harness.state().0;
    assert_eq!((config.model.layers, config.window.lookback), (4, 1));
    assert!(config.validate().is_ok());
}

#[test]
fn reset_restores_a_changed_group_only() {
    let mut config = RunConfig::default();
    config.window.lookback = 96;
    config.data.missing = MissingPolicy::Drop;
    config.model.hidden = 128;
    config.model.dropout = 0.3;
    let mut harness = harness(config);

    harness
        .get_by_label("Reset to defaults (Data & windows)")
        .click();
    harness.run();
    let config = &harness.state().0;
    assert_eq!(config.window, RunConfig::default().window);
    assert_eq!(config.data.missing, RunConfig::default().data.missing);
    assert_eq!(config.model.hidden, 128, "another group was reset");

    harness.get_by_label("Reset to defaults (Model)").click();
    harness.run();
    let config = &harness.state().0;
    assert_eq!(config.model.hidden, RunConfig::default().model.hidden);
    assert_eq!(
        config.model.dropout, 0.3,
        "dropout belongs to Regularisation"
    );
}

#[test]
fn switching_schedule_fills_playbook_parameters() {
    let mut harness = harness(RunConfig::default());
    harness.get_by_label("Schedule").click();
    harness.run();
    pick(&mut harness, "LR schedule", "Reduce on plateau");
    let config = &harness.state().0;
    let expected = ScheduleKind::Plateau {
        factor: 0.5,
        patience: 5,
        min_lr: schedule::MIN_LR,
    };
    assert_eq!(config.train.schedule, expected);
    assert!(config.validate().is_ok());
    harness.get_by_label("Plateau patience");
}

#[test]
fn cyclic_and_one_cycle_schedules_start_around_the_base_lr() {
    let mut harness = harness(RunConfig::default());
    harness.get_by_label("Schedule").click();
    harness.run();
    pick(&mut harness, "LR schedule", "Cyclical");
    let lr = RunConfig::default().train.lr;
    let config = &harness.state().0;
    assert_eq!(
        config.train.schedule,
        ScheduleKind::Cyclic {
            low: lr * 0.1,
            high: lr * 10.0,
            step: 4.0,
            mode: CyclicMode::Triangular,
        }
    );
    assert!(config.validate().is_ok());
    pick(&mut harness, "Cycle mode", "Exp range");
    let ScheduleKind::Cyclic { mode, .. } = harness.state().0.train.schedule else {
        panic!("not cyclic")
    };
    assert_eq!(mode, CyclicMode::ExpRange { gamma: 0.99 });
    harness.get_by_label("Cycle gamma");
    pick(&mut harness, "LR schedule", "One-cycle");
    assert_eq!(
        harness.state().0.train.schedule,
        ScheduleKind::OneCycle { max_lr: lr * 10.0 }
    );
    // The slider and its value field both carry the name.
    assert!(harness.query_all_by_label("Peak lr").count() > 0);
    assert!(harness.query_by_label("Cycle gamma").is_none());
}

#[test]
fn residual_connections_allow_eight_layers_and_init_is_a_choice() {
    let mut harness = harness(RunConfig::default());
    type_into(&mut harness, "Layers", "8");
    assert_eq!(harness.state().0.model.layers, 4, "four without residuals");
    harness.get_by_label("Residual").click();
    harness.run();
    type_into(&mut harness, "Layers", "8");
    let model = &harness.state().0.model;
    assert!(model.residual);
    assert_eq!(model.layers, 8);
    assert!(harness.state().0.validate().is_ok());
    // Off again: the stack comes back within the plain limit.
    harness.get_by_label("Residual").click();
    harness.run();
    harness.run();
    assert_eq!(harness.state().0.model.layers, 4);
    assert!(harness.state().0.validate().is_ok());
    harness.get_by_label("Peepholes").click();
    harness.run();
    assert!(harness.state().0.model.peephole);
    pick(&mut harness, "Cell", "GRU");
    harness.run();
    assert!(!harness.state().0.model.peephole, "peepholes are an LSTM's");
    assert!(harness.query_by_label("Peepholes").is_none());
    pick(&mut harness, "Initialisation", "He");
    assert_eq!(
        harness.state().0.model.init,
        seqcast_engine::config::InitKind::He
    );
}

#[test]
fn variational_dropout_is_chosen_and_reset_with_regularisation() {
    let mut harness = harness(RunConfig::default());
    harness.get_by_label("Regularisation").click();
    harness.run();
    pick(&mut harness, "Dropout mode", "Variational");
    assert_eq!(
        harness.state().0.model.dropout_mode,
        seqcast_engine::config::DropoutMode::Variational
    );
    // The Model group's reset leaves it alone; the Regularisation group's resets it.
    harness.get_by_label("Hidden units");
    type_into(&mut harness, "Hidden units", "32");
    harness.get_by_label("Reset to defaults (Model)").click();
    harness.run();
    assert_eq!(
        harness.state().0.model.dropout_mode,
        seqcast_engine::config::DropoutMode::Variational
    );
    harness
        .get_by_label("Reset to defaults (Regularisation)")
        .click();
    harness.run();
    assert!(harness.state().0.model.dropout_mode.is_standard());
}

#[test]
fn a_recursive_model_offers_unrolled_training() {
    let mut harness = harness(RunConfig::default());
    assert!(harness.query_by_label("Unroll").is_none());
    pick(&mut harness, "Strategy", "Recursive");
    harness.get_by_label("Unroll").click();
    harness.run();
    assert!(harness.state().0.train.unroll);
    harness.get_by_label("Reset to defaults (Model)").click();
    harness.run();
    assert!(!harness.state().0.train.unroll);
}

#[test]
fn seq2seq_shows_its_teacher_forcing_and_schedule() {
    let mut harness = harness(RunConfig::default());
    assert!(harness.query_by_label("Teacher forcing").is_none());
    pick(&mut harness, "Strategy", "Seq2seq");
    assert_eq!(harness.state().0.model.strategy, Strategy::Seq2seq);
    type_into(&mut harness, "Teacher forcing", "0.5");
    pick(&mut harness, "Sampling schedule", "Inverse sigmoid");
    let tf = harness.state().0.train.teacher_forcing;
    assert_eq!(tf.start, 0.5);
    assert_eq!(
        tf.schedule,
        seqcast_engine::config::SamplingSchedule::Sigmoid { k: 10.0 }
    );
    assert!(harness.state().0.validate().is_ok());
    pick(&mut harness, "Attention", "Additive (Bahdanau)");
    assert_eq!(
        harness.state().0.model.attention,
        seqcast_engine::config::Attention::Additive
    );
    // Back to direct: the attention (a decoder's) goes with the decoder.
    pick(&mut harness, "Strategy", "Direct");
    assert!(harness.state().0.model.attention.is_none());
    assert!(harness.query_by_label("Attention").is_none());
    pick(&mut harness, "Strategy", "Seq2seq");
    // The Model group's reset also resets the teacher forcing.
    harness.get_by_label("Reset to defaults (Model)").click();
    harness.run();
    assert_eq!(harness.state().0.model.strategy, Strategy::Direct);
    assert!(harness.state().0.train.teacher_forcing.is_default());
    assert!(harness.query_by_label("Teacher forcing").is_none());
}

#[test]
fn raising_a_fraction_takes_the_excess_from_the_later_parts() {
    let mut harness = harness(RunConfig::default());
    type_into(&mut harness, "Train", "0.8");
    let config = &harness.state().0;
    let Split::Fractions { train, val, test } = config.data.split else {
        panic!("the split changed kind: {:?}", config.data.split);
    };
    assert!((train - 0.8).abs() < 1e-12, "{train}");
    assert!((val - 0.15).abs() < 1e-12, "{val}");
    assert!((test - 0.05).abs() < 1e-9, "{test}");
    assert!(config.validate().is_ok());
}

/// Every variant's parameter rows show up, named (the harness checks names on `run`),
/// and showing them changes nothing.
#[test]
fn every_variant_row_is_named_and_values_stay_put() {
    let mut config = RunConfig::default();
    config.data.split = SPLIT_ROWS;
    config.train.optimizer = OptimizerKind::Sgd;
    config.train.loss = LossKind::Huber { delta: 0.5 };
    config.train.schedule = ScheduleKind::Step {
        every: 7,
        gamma: 0.3,
    };
    config.train.clip = ClipKind::Value { max: 0.25 };
    config.eval.season = Some(168);
    let mut harness = harness(config.clone());
    open_all_groups(&mut harness);
    for label in [
        "Huber delta",
        "Step every",
        "Step gamma",
        "Max value",
        "Season",
    ] {
        harness.get_by_label(label);
    }
    assert_eq!(harness.state(), &(config, false));
}

#[test]
fn labels_are_unique_and_render_with_the_default_fonts() {
    let mut names: Vec<_> = t::ALL.iter().map(|field| field.name).collect();
    names.sort_unstable();
    let count = names.len();
    names.dedup();
    assert_eq!(names.len(), count, "two controls share a label");
    // The harness panics on a glyph the default fonts lack.
    let mut harness = Harness::new_ui(|ui| {
        for field in t::ALL {
            ui.label(field.name);
            ui.label(field.tip);
        }
    });
    harness.run();
}

#[test]
fn truncated_bptt_is_turned_on_edited_and_refused_for_seq2seq() {
    let mut config = RunConfig::default();
    config.window.lookback = 400;
    config.model.recurrent_steps = 0; // the layers read all 400 steps
    let mut harness = harness(config);
    assert!(harness.query_by_label("K2 (backpropagated)").is_none());
    harness.get_by_label("Truncated BPTT").click();
    harness.run();
    let tb = harness.state().0.model.tbptt.expect("turned on");
    // Starts at a quarter of the recurrent window.
    assert_eq!((tb.k1, tb.k2), (100, 100));
    assert!(
        harness
            .query_by_label_contains("gradient through the last 100 of 400 steps")
            .is_some()
    );
    type_into(&mut harness, "K2 (backpropagated)", "500");
    assert_eq!(harness.state().0.model.tbptt.map(|t| t.k2), Some(500));
    assert!(harness.query_by_label_contains("full BPTT").is_some());
    assert!(harness.state().0.validate().is_ok());
    pick(&mut harness, "Strategy", "Seq2seq");
    harness.run();
    assert_eq!(harness.state().0.model.tbptt, None, "not for seq2seq");
    assert!(harness.query_by_label("Truncated BPTT").is_none());
    assert!(harness.state().0.validate().is_ok());
}

#[test]
fn a_bidirectional_encoder_and_layer_norm_are_chosen_and_not_for_seq2seq() {
    let mut harness = harness(RunConfig::default());
    assert!(
        harness
            .query_by_label_contains("recurrent weights ×2")
            .is_none()
    );
    harness.get_by_label("Bidirectional").click();
    harness.run();
    assert!(harness.state().0.model.bidirectional);
    assert!(
        harness
            .query_by_label_contains("2 stacks of 2×64: recurrent weights ×2")
            .is_some()
    );
    assert!(harness.state().0.validate().is_ok());
    harness.get_by_label("Layer norm").click();
    harness.run();
    assert!(harness.state().0.model.layer_norm);
    pick(&mut harness, "Strategy", "Seq2seq");
    harness.run();
    assert!(!harness.state().0.model.bidirectional, "not for seq2seq");
    assert!(!harness.state().0.model.layer_norm, "not for seq2seq");
    assert!(harness.query_by_label("Layer norm").is_none());
    assert!(harness.query_by_label("Bidirectional").is_none());
    assert!(harness.state().0.validate().is_ok());
}
