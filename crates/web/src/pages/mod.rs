//! The office's pages, one module per page or section. The sections of the year's work each have
//! a folder with their own `routes`, mounted by [`crate::configure`].

pub(crate) mod cycles;
pub(crate) mod gallery;
pub(crate) mod household;
pub(crate) mod map;
pub(crate) mod package;
pub(crate) mod photo;
pub(crate) mod results;
pub(crate) mod sheet;

pub(crate) mod data;
pub(crate) mod fieldwork;
pub(crate) mod people;
pub(crate) mod questionnaires;
pub(crate) mod queues;
pub(crate) mod registry;
pub(crate) mod scoring;
pub(crate) mod year;
