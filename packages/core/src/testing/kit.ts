// Simulator building blocks: generator, paginators, rate limiter, faults, webhook sender.
export {};
