"""The classroom's pages: short function views that check access first (classroom.access), ask
classroom.queries for the figures and render. Instructor pages live under /dashboard/, the learner's
join and leave pages under /cohorts/."""
