"""Parent and carer opt-outs, and students' requests to delete their answers."""
