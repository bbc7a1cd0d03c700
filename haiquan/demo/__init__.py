"""Synthetic data for haiquan: a realistic, reproducible history of Quảng Ninh and Bình Dương
Customs (`generator.demo_generate`), a national benchmark volume (`generator.national_generate`),
the ground truth of the violations planted in it (`models.SyntheticTruth`), and the `demo`
command that sets up a ready-to-try installation.

    generator   runs: period, chunks, transactions, the report
    population  the traders, brokers and accounts          profiles  who trades what, where
    volumes     how many declarations a day, at what hour   rates     daily exchange rates
    compose     one declaration: content, duties, number, lane
    consignment goods lines, terms, containers, documents   goods     prices and quantities
    fraud       violations and what checks find             timeline  how long each step takes
    workflow    the declaration's life, step by step, with its events
    writer      COPY / batched INSERT with reserved keys    rows      the columns written
    setup       banks, risk profiles, central team, log-ins reset     the documented wipe
"""
