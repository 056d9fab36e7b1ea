//! The Runs and Search views driven headless: two trained runs compared side by side
//! with exactly their changed settings listed; a search from the Search view fills its
//! table and "Apply best" copies the best configuration.

use egui::accesskit::Role;
use egui_kittest::kittest::Queryable;
use seqcast_engine::runs::StoredRun;
use seqcast_engine::runs::diff::config_diff;
use seqcast_engine::tune::{Method, Pruning, SearchSpace, TuneSettings};

use super::app::Startup;
use super::state::Tab;
use super::tests::{harness, sample, step_until, tiny};

#[test]
fn two_runs_compared_show_both_curves_and_exactly_the_changed_settings() {
    let mut h = harness(Startup::File(sample("daily-min-temperatures.csv")));
    h.state_mut().persisted.config = tiny(2);
    step_until(&mut h, "the runs folder to be listed", |a| {
        a.session.inspection.is_some() && a.session.runs.dir.is_some()
    });
    for (hidden, lr) in [(8, 1e-3), (12, 5e-3)] {
        let config = &mut h.state_mut().persisted.config;
        config.model.hidden = hidden;
        config.train.lr = lr;
        h.run_steps(2);
        h.get_by_role_and_label(Role::Button, "Train").click();
        step_until(&mut h, "the run to be recorded", |a| {
            a.session.busy.is_none() && a.session.runs.list.iter().any(|r| r.row.hidden == hidden)
        });
    }
    h.get_by_label("Runs").click();
    h.run_steps(3);
    assert_eq!(h.state().persisted.tab, Tab::Runs);
    let runs = h.state().session.runs.list.clone();
    assert_eq!(runs.len(), 2);
    // Tick both (the row checkboxes carry no text), then compare through the button.
    h.state_mut().session.runs.selected = runs.iter().map(|r| r.id.clone()).collect();
    h.run_steps(2);
    h.get_by_label("Compare selected (2)").click();
    step_until(&mut h, "the runs to load", |a| {
        a.session.runs.compared.len() == 2
    });
    h.run_steps(3);

    let compared = h.state().session.runs.compared.clone();
    let configs: Vec<_> = compared.iter().map(|(_, s)| s.config()).collect();
    let fields: Vec<String> = config_diff(&configs).into_iter().map(|r| r.field).collect();
    assert_eq!(fields, ["model.hidden", "train.lr"]);
    for field in &fields {
        h.get_by_label(field);
    }
    assert!(
        h.query_by_label("model.cell").is_none(),
        "unchanged settings are not listed"
    );
    for (meta, summary) in &compared {
        assert_eq!(summary.training().history.len(), 2);
        let StoredRun::Series(summary) = summary.as_ref() else {
            panic!("a run on one series")
        };
        assert!(summary.test.is_some());
        // Table row, both plot legends, the diff and the metrics headers.
        let shown = h.query_all_by_label(&meta.name).count();
        assert!(shown >= 4, "'{}' shown {shown} times", meta.name);
    }
    h.get_by_label("Validation loss per epoch (training loss dashed)");
}

#[test]
fn a_search_fills_its_table_and_apply_best_copies_the_best_config() {
    let mut h = harness(Startup::File(sample("daily-min-temperatures.csv")));
    h.state_mut().persisted.config = tiny(2);
    h.state_mut().persisted.search_space = SearchSpace {
        lr: Some([1e-3, 1e-2]),
        hidden: Some(vec![4, 8]),
        ..SearchSpace::default()
    };
    h.state_mut().persisted.search_settings = TuneSettings {
        method: Method::Random,
        trials: 4,
        seed: 3,
        max_epochs: Some(2),
        pruning: Pruning::None,
    };
    step_until(&mut h, "the file to be inspected", |a| {
        a.session.inspection.is_some()
    });
    h.get_by_label("Search").click();
    h.run_steps(3);
    h.get_by_role_and_label(Role::Button, "Start search")
        .click();
    step_until(&mut h, "the search to finish", |a| {
        a.session.search.as_ref().is_some_and(|s| s.done) && a.session.busy.is_none()
    });
    h.run_steps(3);
    let search = h.state().session.search.clone().unwrap();
    assert_eq!(search.trials.len(), 4);
    // The pictures of the search: parallel coordinates, importance, slices.
    h.get_by_label_contains("Trials in parallel coordinates");
    h.get_by_label("Knob importance (4 finished trials)");
    h.get_by_label("Validation loss against each knob (grey: pruned)");
    let best = &search.trials[search.best.unwrap()];
    let min = search
        .trials
        .iter()
        .filter_map(|t| t.best_val_loss)
        .fold(f64::INFINITY, f64::min);
    assert_eq!(best.best_val_loss, Some(min));
    h.get_by_label(&format!("* {}", best.index));
    h.get_by_label("Apply best").click();
    h.run_steps(2);
    let config = &h.state().persisted.config;
    assert_eq!(
        (config.train.lr, config.model.hidden),
        (best.config.train.lr, best.config.model.hidden)
    );
    // Every trial became a run in the runs folder.
    step_until(&mut h, "the trials to be listed", |a| {
        a.session.runs.list.len() == 4
    });
}

#[test]
fn choosing_tpe_for_a_short_search_says_it_needs_more_trials() {
    let mut h = harness(Startup::File(sample("daily-min-temperatures.csv")));
    step_until(&mut h, "the file to be inspected", |a| {
        a.session.inspection.is_some()
    });
    h.get_by_label("Search").click();
    h.run_steps(3);
    let note = "with 8 trials it gains little over random search";
    assert!(
        h.query_by_label_contains(note).is_none(),
        "random search has no note"
    );
    h.get_by_role_and_label(Role::RadioButton, "TPE").click();
    h.run_steps(3);
    assert_eq!(h.state().persisted.search_settings.method, Method::Tpe);
    h.get_by_label_contains(note);
    h.state_mut().persisted.search_settings.trials = 40;
    h.run_steps(3);
    assert!(
        h.query_by_label_contains("gains little").is_none(),
        "40 trials are enough"
    );
}
