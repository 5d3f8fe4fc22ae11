"""Safeguarding: alerts to the school's designated safeguarding lead (DSL).

Some answers mean a child may be at risk. Depending on the study, the student
is only shown where to get help (signpost only), or the school's DSL is also
told, privately, and must acknowledge; alerts nobody acts on are escalated.
"""
