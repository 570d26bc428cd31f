"""The pages of ratings: the expert's (rating labs), the lab's (its aggregate and answer), operations' (labs by rating)."""
